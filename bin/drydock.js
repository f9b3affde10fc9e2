#!/usr/bin/env node
// The `drydock` command. Runs the compiled CLI when `npm run build` has produced it, and the
// TypeScript sources through tsx otherwise (a development checkout).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (existsSync(compiled)) {
  require(compiled);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
