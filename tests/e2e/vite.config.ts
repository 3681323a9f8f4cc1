// The reference client is served by Vite's dev server on http://localhost:5173
// (the origin the service's CORS_ALLOWED_ORIGINS names) and calls the service
// on VITE_API_BASE_URL: a real cross-origin set-up.
import { defineConfig } from "vite";

export default defineConfig({
  // JSX with React's automatic runtime; no plugin needed for this page.
  oxc: { jsx: { runtime: "automatic" } },
  server: {
    host: "localhost",
    port: 5173,
    strictPort: true,
  },
  // Bundle the few dependencies when the server starts, so the first page
  // load never triggers a re-optimisation and a reload in the middle of a test.
  optimizeDeps: {
    include: ["react", "react-dom/client", "react/jsx-runtime", "react/jsx-dev-runtime", "openapi-fetch"],
  },
  clearScreen: false,
});
