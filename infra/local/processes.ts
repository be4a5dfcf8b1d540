/**
 * Leaf helpers for the local services this machine starts (DynamoDB Local, moto in the conformance
 * tier): a free port, and a child process tied to this one. No topology, no handlers: test global
 * setups import this without loading the whole system.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface OwnedChild {
  /** SIGTERM, then SIGKILL after the grace period; resolves once it has exited. */
  stop(): Promise<void>;
  /** Forgets the child (it exited on its own and needs no stopping). */
  release(): void;
}

/**
 * Ties a child process to this one: however this process ends (an uncaught error included), the
 * child is killed — 'exit' listeners run synchronously, and sending a signal is synchronous.
 */
export function ownChild(child: ChildProcess, graceMs: number): OwnedChild {
  const running = () => child.exitCode === null && child.signalCode === null;
  const killOnExit = () => {
    if (running()) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const release = () => {
    process.removeListener('exit', killOnExit);
  };
  const stop = async () => {
    release();
    if (!running()) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { stop, release };
}
