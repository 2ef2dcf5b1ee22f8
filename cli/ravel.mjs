#!/usr/bin/env node
// The `ravel` command: loads tsx so the TypeScript sources run as they are, then the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
