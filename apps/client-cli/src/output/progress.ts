import cliProgress from 'cli-progress';
import { formatBytes } from './format.js';
import type { OutputStream } from './output.js';

// The upload progress bar, on stderr. A terminal gets a live bar; a pipe or file gets one line at the
// start and one at the end, as a redrawn bar would fill a log with escape codes.

export interface ProgressReporter {
  update(sentBytes: number): void;
  /** `done`: the upload completed (else it failed or was interrupted, and the bar just stops). */
  stop(done: boolean): void;
}

export function uploadProgress(stream: OutputStream, label: string, totalBytes: number): ProgressReporter {
  const startedAt = Date.now();
  const summary = (sent: number) => {
    const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
    return `${formatBytes(sent)} in ${seconds.toFixed(1)} s (${formatBytes(sent / seconds)}/s)`;
  };
  let sent = 0;

  if (!stream.isTTY) {
    stream.write(`uploading ${label} (${formatBytes(totalBytes)})…\n`);
    return {
      update: (bytes) => void (sent = bytes),
      stop: (done) => void stream.write(done ? `uploaded ${summary(sent)}\n` : `upload stopped after ${formatBytes(sent)}\n`),
    };
  }

  const bar = new cliProgress.SingleBar({
    stream: stream as NodeJS.WritableStream,
    format: `uploading ${label} [{bar}] {percentage}% {sentText}/{totalText} {speedText}`,
    barsize: 30,
    hideCursor: false, // a hidden cursor would stay hidden if the process is killed mid-upload
    fps: 10,
  }, cliProgress.Presets.shades_classic);
  const payload = () => {
    const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
    return { sentText: formatBytes(sent), totalText: formatBytes(totalBytes), speedText: `${formatBytes(sent / seconds)}/s` };
  };
  bar.start(totalBytes, 0, payload());
  return {
    update(bytes) {
      sent = bytes;
      bar.update(Math.min(bytes, totalBytes), payload());
    },
    stop(done) {
      bar.update(Math.min(sent, totalBytes), payload());
      bar.stop();
      if (done) stream.write(`uploaded ${summary(sent)}\n`);
    },
  };
}
