import { Injectable, Module, type MiddlewareConsumer, type NestMiddleware, type NestModule } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build` puts the console (apps/admin-api/console/dist), from src/console or dist/console alike. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

type Request = IncomingMessage & { originalUrl?: string };

/**
 * The console acts with the user's HTTP Basic credentials, which the browser sends by itself: no
 * other site may frame it (clickjacking), and no file is taken for another type than it is.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
};

/**
 * Serves the built web console: `/` is its page (it routes by the URL's hash, so no other page
 * path exists) and `/assets/…` its hashed bundles, cached for good. Everything else goes on to the
 * APIs and health checks. Files are read on request; the bundle is a few files of tens of KiB.
 */
@Injectable()
export class ConsoleMiddleware implements NestMiddleware {
  use(request: Request, response: ServerResponse, next: (error?: unknown) => void): void {
    const path = new URL(request.originalUrl ?? request.url ?? '/', 'http://localhost').pathname;
    const isPage = path === '/' || path === '/index.html';
    if ((request.method !== 'GET' && request.method !== 'HEAD') || (!isPage && !path.startsWith('/assets/'))) {
      next();
      return;
    }
    void this.serve(isPage ? 'index.html' : path.slice(1), response);
  }

  private async serve(file: string, response: ServerResponse): Promise<void> {
    const resolved = normalize(join(CONSOLE_DIST, file));
    if (!resolved.startsWith(CONSOLE_DIST) || resolved.slice(CONSOLE_DIST.length).split(sep).includes('..')) {
      response.writeHead(404).end();
      return;
    }
    try {
      const content = await readFile(resolved);
      const cache = file === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable';
      response
        .writeHead(200, {
          'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': cache,
          ...PAGE_HEADERS,
        })
        .end(content);
    } catch {
      if (file !== 'index.html') response.writeHead(404).end();
      else
        response
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
          .end('The web console is not built: run `npm run build`.\n');
    }
  }
}

/** The web console at `/`. */
@Module({ providers: [ConsoleMiddleware] })
export class ConsoleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // '{*path}': the optional wildcard, so `/` itself matches too.
    consumer.apply(ConsoleMiddleware).forRoutes('{*path}');
  }
}
