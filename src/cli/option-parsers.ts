import { Command, InvalidArgumentError, Option } from 'commander';
import type { SegmentRouting } from '../contracts/deployment';
import { isIP } from 'node:net';
import { msToNumber } from '@temporalio/common/lib/time';
import { BuildDataUrlError, buildDataUrlFromFlag } from '../builddata/url';
import { CredentialResolutionError } from '../secrets/resolver';
import { CliExit, EXIT } from './exit-codes';

/**
 * Parsers for commander options. They run on flag values and on environment variables alike,
 * and throw InvalidArgumentError with what was expected; commander names the flag or variable
 * and the CLI exits 2.
 */

/** A whole number of at least `min`. */
export function wholeNumber(min: number): (value: string) => number {
  return (value: string) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}, e.g. ${Math.max(min, 1) * 10}.`);
    return n;
  };
}

/** A duration such as `30s`, `2m`, `1h` or `500ms` (a bare number is milliseconds), in ms. */
export function durationMs(value: string): number {
  let ms: number;
  try {
    ms = msToNumber(value.trim() as `${number}s`);
  } catch {
    throw new InvalidArgumentError('expected a duration such as 30s, 2m, 1h or 500ms.');
  }
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError('expected a duration of 0 or more, such as 30s.');
  return ms;
}

/** `IP:port` to listen on: an IPv4 address or a bracketed IPv6 one, and a port 1-65535. */
export function listenAddress(value: string): string {
  const match = /^(\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const ip = match?.[2] ?? match?.[3];
  const port = Number(match?.[4]);
  if (!match || !ip || (match[2] ? isIP(ip) !== 6 : isIP(ip) !== 4) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('expected IP:PORT to listen on, such as 127.0.0.1:9464 or [::1]:9464 (an IP address, not a host name).');
  }
  return value.trim();
}

/**
 * `--build-data-url` (or DRYDOCK_BUILD_DATA_URL) resolved for `drydock api` and `drydock worker`:
 * an env:/file:/secret: reference or a URL; a bad one is bad input (exit 2) with a message that
 * never shows the URL's password.
 */
export function buildDataUrlOption(value: string | undefined, source: string | undefined): string | undefined {
  try {
    return buildDataUrlFromFlag(value, source);
  } catch (err) {
    if (err instanceof BuildDataUrlError || err instanceof CredentialResolutionError) throw new CliExit(EXIT.badInput, err.message);
    throw err;
  }
}

/** `--segment-queues` and `--segment-wait`, for the commands that start runs (`drydock deploy`…, `drydock api`). */
export function withSegmentOptions(command: Command, subject: string): Command {
  return command
    .addOption(new Option('--segment-queues', `${subject} put OOB and switch work on each node's segment queue (<task queue>@<oob.network>), served by \`drydock worker --segments\``).env('DRYDOCK_SEGMENT_QUEUES'))
    .addOption(new Option('--segment-wait <duration>', 'with --segment-queues: how long before a node whose segment has no worker says so (it keeps waiting)').argParser(durationMs).default(60_000, '60s'));
}

/** The segment routing those flags ask for (none without --segment-queues). */
export function segmentRoutingFromFlags(flags: { segmentQueues?: boolean; segmentWait?: number }): SegmentRouting | undefined {
  return flags.segmentQueues ? { segmentQueues: true, segmentWaitTimeout: flags.segmentWait ?? 60_000 } : undefined;
}
