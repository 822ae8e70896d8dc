// hls.js ships one declaration file; its light build has the same API minus the features
// foryou's ladder does not use.
declare module "hls.js/light" {
  export * from "hls.js";
  export { default } from "hls.js";
}
