// `express4` is the npm alias of express@4 (a dev dependency); the API the tests use is typed
// loosely, as `any`.
declare module 'express4' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const express: any;
  export default express;
}
