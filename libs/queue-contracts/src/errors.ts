import { z } from 'zod';

/** Every error the API answers with: `{ "error": { "code", "message" } }`. */
export const ApiErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/**
 * One readable sentence per problem, naming the field: `replicas: Too big: expected number to be <=1000`.
 * `prefix` names where the input came from (a variable name, "body").
 */
export function formatZodError(error: z.ZodError, prefix?: string): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
