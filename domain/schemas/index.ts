/** The resource model's schemas: one import for the gateway (validation, OpenAPI) and the domain. */
export * from './common.ts';
export * from './vm.ts';
export * from './application.ts';
export * from './library.ts';
export * from './organization.ts';
export * from './task.ts';
export * from './event.ts';
export { parseInput, matches, taggedParser } from './validate.ts';
