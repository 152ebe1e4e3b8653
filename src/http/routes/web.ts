/**
 * The results page: the single-page app built by Vite into dist/web (`npm run build`), served
 * at `/` with a Content-Security-Policy that allows nothing from elsewhere — scripts, styles,
 * fonts and images from this origin only, no inline script, GraphQL over HTTP and graphql-ws to
 * this host, audio from this origin or from blob: URLs (the page fetches a job's audio with the
 * key and plays it from a Blob). Apollo Sandbox stays at /graphql with its own headers.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router, type NextFunction, type Request, type Response } from "express";

/** The repository root: the nearest folder above this file with a package.json (works from src/ and dist/src/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("web: package.json not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export const WEB_DIR = join(packageRoot(), "dist", "web");

/** A Host header we are willing to echo into connect-src (anything else gets 'self' only). */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function contentSecurityPolicy(host: string | undefined): string {
  // CSP3 lets 'self' cover ws(s) to the same host; the explicit sources are for browsers that do not.
  const ws = host && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self'${ws}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function securityHeaders(req: Request, res: Response, next: NextFunction) {
  res.setHeader("content-security-policy", contentSecurityPolicy(req.headers.host));
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("x-frame-options", "DENY");
  next();
}

export function webRoutes(dir = WEB_DIR) {
  const router = Router();
  const index = join(dir, "index.html");
  router.get("/", securityHeaders, (_req, res) => {
    if (!existsSync(index)) {
      return void res.status(503).type("text/plain").send("The results page is not built: run `npm run build` (npm start does), then reload.\n");
    }
    res.setHeader("cache-control", "no-cache");
    res.sendFile(index);
  });
  // Vite names assets by content hash, so they can be cached for good.
  router.use("/assets", securityHeaders, express.static(join(dir, "assets"), { immutable: true, maxAge: "1y", index: false, fallthrough: false }));
  router.get("/favicon.svg", securityHeaders, (_req, res, next) => (existsSync(join(dir, "favicon.svg")) ? res.sendFile(join(dir, "favicon.svg")) : next()));
  return router;
}
