import { Cluster, Command, Redis, type Callback } from 'ioredis';
import type { CallwatchError } from '@callwatch/core';

/**
 * failWith wires a guarded client's first connection to its events, and returns how to end the client for good with a
 * failure no reconnection can fix: its commands fail with that failure from then on.
 */
export function failWith(client: GuardedRedis | GuardedCluster): (failure: CallwatchError) => void {
  client.once('ready', () => client.first.open());
  // Ended before it was ever ready (its owner disconnected it): the ended client refuses what was held itself.
  client.once('end', () => client.first.open());
  return (failure) => {
    if (client.first.failure) return;
    client.first.fail(failure);
    client.disconnect();
  };
}

/**
 * FirstConnection holds a client's commands until its first connection is ready. A failure no reconnection can fix
 * (credentials, TLS) then reaches them, and every later command, as itself, where ioredis would answer the ones it
 * had queued with a bare "WRONGPASS" or "Connection is closed." and keep retrying.
 */
class FirstConnection {
  failure: CallwatchError | null = null;
  private held: Array<{ command: Command; send: () => unknown }> | null = [];

  get opened(): boolean {
    return this.held === null;
  }

  send(command: Command, send: () => unknown): unknown {
    if (this.failure) command.reject(this.failure);
    else if (this.held) this.held.push({ command, send });
    else return send();
    return command.promise;
  }

  /** open sends what was held, in order, and lets every later command through. */
  open(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const { send } of held) send();
  }

  fail(failure: CallwatchError): void {
    this.failure = failure;
    const held = this.held ?? [];
    this.held = null;
    for (const { command } of held) command.reject(failure);
  }
}

/** GuardedRedis is a standalone client whose commands wait for its first connection (see FirstConnection). */
export class GuardedRedis extends Redis {
  readonly first = new FirstConnection();

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    // ioredis sends its own handshake (AUTH, CLIENT SETNAME, INFO) through here, before the connection is ready.
    if (Command.checkFlag('HANDSHAKE_COMMANDS', command.name)) return super.sendCommand(command, stream);
    return this.first.send(command, () => super.sendCommand(command, stream));
  }
}

/** GuardedCluster is a Cluster client whose commands and pipelines wait for its first connection (see FirstConnection). */
export class GuardedCluster extends Cluster {
  readonly first = new FirstConnection();
  /** the TLS probe of the nodes, while one runs: after the Cluster could reach none of them */
  probe: Promise<CallwatchError | null> | null = null;

  override sendCommand(command: Command, stream?: Parameters<Cluster['sendCommand']>[1], node?: unknown): unknown {
    // ioredis runs its ready check (CLUSTER INFO) through here, before the Cluster is ready; callwatch sends no CLUSTER.
    if (command.name === 'cluster') return super.sendCommand(command, stream, node);
    return this.first.send(command, () => super.sendCommand(command, stream, node));
  }

  // Pipelines wait here for the slots, not in sendCommand, and ioredis fails them at each attempt to connect that
  // fails: a failure no reconnection fixes must reach them as itself too, once a probe of the nodes has found it.
  override delayUntilReady(callback: Callback): void {
    if (this.first.failure) return callback(this.first.failure);
    super.delayUntilReady((err?: Error | null) => {
      if (!err) return callback(err);
      void (this.probe ?? Promise.resolve()).then(() => callback(this.first.failure ?? err));
    });
  }
}
