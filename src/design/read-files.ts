import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { DesignSource } from './load';

/**
 * Reads design sources for `loadDesign`: files, folders (every *.yaml / *.yml below them, in
 * name order, hidden entries skipped) and `-` for standard input. Not pure: activities and the
 * CLI use it, workflows never.
 */
export class DesignReadError extends Error {
  override name = 'DesignReadError';
}

export interface ReadOptions {
  /** Standard input, for `-` (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

export async function readDesignSources(paths: readonly string[], options: ReadOptions = {}): Promise<DesignSource[]> {
  if (paths.length === 0) throw new DesignReadError('no design given: name files or folders of YAML documents, or - for standard input');
  const out: DesignSource[] = [];
  let stdinUsed = false;
  for (const path of paths) {
    if (path === '-') {
      if (stdinUsed) throw new DesignReadError('- (standard input) is given twice');
      stdinUsed = true;
      out.push({ name: '<stdin>', text: await readStream(options.stdin ?? process.stdin) });
      continue;
    }
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      throw new DesignReadError(`cannot read ${path}: ${reason(err)}`);
    }
    if (info.isDirectory()) {
      const files = await yamlFilesUnder(path);
      if (files.length === 0) throw new DesignReadError(`the folder ${path} holds no .yaml or .yml files`);
      for (const f of files) out.push({ name: f, text: await readText(f) });
    } else {
      out.push({ name: path, text: await readText(path) });
    }
  }
  return out;
}

async function yamlFilesUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new DesignReadError(`cannot read the folder ${dir}: ${reason(err)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await yamlFilesUnder(full)));
    else if ((e.isFile() || e.isSymbolicLink()) && YAML_EXTENSIONS.has(extname(e.name).toLowerCase())) files.push(full);
  }
  return files;
}

async function readText(path: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new DesignReadError(`cannot read ${path}: ${reason(err)}`);
  }
  return decode(buf, path);
}

function decode(buf: Buffer, name: string): string {
  if (buf.includes(0)) throw new DesignReadError(`${name} is not a text file (it contains NUL bytes)`);
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD') && !buf.includes(Buffer.from('\uFFFD', 'utf8'))) throw new DesignReadError(`${name} is not UTF-8 text`);
  return text;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return decode(Buffer.concat(chunks), 'standard input');
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return code ?? (err instanceof Error ? err.message : String(err));
}
