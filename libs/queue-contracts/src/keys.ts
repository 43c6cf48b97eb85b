// Every Redis key DRaaS writes (BullMQ's own keys aside) is built here, under one configurable prefix.

export type RedisKeys = ReturnType<typeof redisKeys>;

export const redisKeys = (prefix: string) =>
  ({
    prefix,
    /** SCAN pattern of every key under the prefix, BullMQ's included (for cleaning up a namespace). */
    everything: `${prefix}:*`,
    /** JSON DeploymentRecord. */
    deployment: (id: string) => `${prefix}:deployment:${id}`,
    /** JSON InstanceRecord. */
    instance: (deploymentId: string, index: number) => `${prefix}:deployment:${deploymentId}:instance:${index}`,
    /** Hash index -> status of the deployment's instances, written with each instance record. */
    instanceStatuses: (deploymentId: string) => `${prefix}:deployment:${deploymentId}:statuses`,
    /** List of the deployment's status changes (DeploymentEvent JSON), oldest first, capped. */
    timeline: (id: string) => `${prefix}:deployment:${id}:timeline`,
    /** Stream of log lines (build and run) of one deployment, capped. */
    logs: (deploymentId: string) => `${prefix}:deployment:${deploymentId}:logs`,
    /** Sorted set of deployment ids by creation time (ms). */
    deployments: `${prefix}:deployments`,
    /** JSON AppRecord (apps.ts), written by the scheduler's apps store only. */
    app: (name: string) => `${prefix}:app:${name}`,
    /** Sorted set of app names by creation time (ms). */
    apps: `${prefix}:apps`,
    /** Held (with a TTL) by the one scheduler running the app's rollout pass right now. */
    appLock: (name: string) => `${prefix}:app:${name}:rolling`,
    /** Sorted set of deployment ids waiting for a placement pass, scored by when it was asked for. */
    placements: `${prefix}:placements`,
    /** Set of deployment ids with instances that no agent could take yet. */
    pending: `${prefix}:deployments:pending`,
    /**
     * Image already built from an archive with this SHA-256, for reuse. `v2`: builds keep the
     * archive's file modes; an image under an older key may lack them and is not reused.
     */
    imageByHash: (sha256: string) => `${prefix}:image-by-hash:v2:${sha256}`,
    /** Random key the schedulers sign image download tokens with (made once by the first scheduler). */
    imageKey: `${prefix}:image-key`,
    /** Sorted set of the schedulers' URLs as agents reach them, scored by when each last said so (ms). */
    schedulers: `${prefix}:schedulers`,
    /** Set of known agent ids. */
    agents: `${prefix}:agents`,
    /** JSON Heartbeat: the agent's last one, stamped (sentAt) on Redis's clock; written by the agent. */
    agent: (agentId: string) => `${prefix}:agent:${agentId}`,
    /** Hash instanceRef -> "memoryBytes,milliCpus" of instances placed on an agent and not yet ended. */
    agentAllocations: (agentId: string) => `${prefix}:agent:${agentId}:allocations`,
    /** Held (with a TTL) by the one scheduler reaping the agent right now. */
    reapLock: (agentId: string) => `${prefix}:agent:${agentId}:reaping`,
    /** Hash of the sums of agentAllocations: memory, millicpus, instances. */
    agentUsage: (agentId: string) => `${prefix}:agent:${agentId}:usage`,
  }) as const;

/** How an instance is named inside allocation hashes and log lines. */
export const instanceRef = (deploymentId: string, index: number): string => `${deploymentId}/${index}`;

export function parseInstanceRef(ref: string): { deploymentId: string; index: number } | null {
  const match = /^([a-z0-9]{12})\/(\d{1,4})$/.exec(ref);
  return match ? { deploymentId: match[1] as string, index: Number(match[2]) } : null;
}
