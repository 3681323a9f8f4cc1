/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The service's origin, e.g. http://127.0.0.1:8000 (paths start with /rear-diff). */
  readonly VITE_API_BASE_URL: string;
  /** An operator's API token; only the PATCH sends it. */
  readonly VITE_API_TOKEN?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
