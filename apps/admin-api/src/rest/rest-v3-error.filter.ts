import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRestPath } from './route.js';

/**
 * Errors raised before the v3 middleware runs (Express's JSON body parser on a malformed body)
 * answered in v3's shape for `/v3` requests; every other path keeps NestJS's own answer.
 */
@Catch()
export class RestV3ErrorFilter extends BaseExceptionFilter implements ExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<IncomingMessage & { originalUrl?: string }>();
    const url = request.originalUrl ?? request.url ?? '';
    if (!isRestPath(url.split('?')[0]!)) {
      super.catch(exception, host);
      return;
    }
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    const message = exception instanceof HttpException ? exception.message : 'Internal Server Error';
    host
      .switchToHttp()
      .getResponse<ServerResponse>()
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error_code: status, message: status === 400 ? `Payload error. ${message}` : message }));
  }
}
