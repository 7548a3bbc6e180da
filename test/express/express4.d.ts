// `express4` is the npm alias of express@4 (a dev dependency); the API the tests use is typed
// loosely, as `any`.
declare module 'express4' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const express: any;
  export default express;
}

// `router22` is the npm alias of router@2.2.0 (what Express 5.0 to 5.2 installs may resolve to).
declare module 'router22' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Router: any;
  export default Router;
}
