#!/usr/bin/env node
import { runTerminal } from './terminal-chat';

runTerminal({ argv: process.argv.slice(2), input: process.stdin, output: process.stdout }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
