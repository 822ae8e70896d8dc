import { defineConfig } from "vite";

// The build lands in the Python package, which serves it (foryou.web); `npm run dev` proxies
// the API and media to a `foryou serve` on the usual port.
export default defineConfig({
  build: {
    outDir: "../src/foryou/static",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/media": "http://127.0.0.1:8000",
    },
  },
});
