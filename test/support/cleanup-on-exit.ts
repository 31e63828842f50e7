// Last-resort cleanup for resources a test process owns outside itself (engines, gateways):
// a failing or interrupted test must not leave daemons, mounts or temp dirs behind.
// Callbacks run synchronously, because the 'exit' event allows nothing else.

const cleanups = new Set<() => void>();
let installed = false;

function runAll(): void {
  // Newest first, like nested try/finally blocks.
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch (error) {
      console.error('cleanup on exit failed:', error);
    }
  }
}

function install(): void {
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runAll();
      // Our listener is gone now: re-raising gives the signal its normal effect (or the test runner's).
      process.kill(process.pid, signal);
    });
  }
}

/** Runs `cleanup` when the process exits or is signalled, unless the returned function is called first. */
export function onProcessExit(cleanup: () => void): () => void {
  if (!installed) install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}
