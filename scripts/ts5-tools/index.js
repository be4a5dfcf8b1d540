// Re-exported from here so that openapi-typescript resolves `typescript` to this package's 5.x.
export { astToString, default } from 'openapi-typescript';
