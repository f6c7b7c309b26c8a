import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSINESS_MODULES } from '../../../config/app-config';
import { EVENT_DOCS, EventDocs } from '../../../platform/event-docs/event-docs';
import { FlowFigures, ModuleFigures } from '../infrastructure/flow-figures';
import { ACTIVITY } from '../infrastructure/activity-recorder';
import { LiveFeed, MAX_FEED_CLIENTS } from './live-feed';

/** The page and its script are files beside this one (plain HTML and JS, copied by the build). */
const page = (file: string) => readFileSync(join(__dirname, 'flow-page', file), 'utf8');
const LANES = BUSINESS_MODULES.filter((m) => m !== ACTIVITY);

/** GET /flow: the live flow page, its script, its event stream, the figures and the event map it draws. */
@ApiExcludeController()
@Controller('flow')
export class FlowHttpController {
  private readonly html = page('flow.html');
  private readonly script = page('flow.js');

  constructor(
    private readonly feed: LiveFeed,
    private readonly figures: FlowFigures,
    @Inject(EVENT_DOCS) private readonly docs: EventDocs,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  index(): string {
    return this.html;
  }

  @Get('flow.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  js(): string {
    return this.script;
  }

  @Get('map')
  map() {
    return { lanes: LANES, events: this.docs.map.map(({ type, producer, consumers }) => ({ type, producer, consumers })) };
  }

  @Get('stats')
  async stats(): Promise<{ modules: ModuleFigures[] }> {
    return { modules: await this.figures.figures(LANES) };
  }

  /** Server-Sent Events; 503 past the cap of open streams. An open stream is one request, not one per event. */
  @Get('events')
  @SkipThrottle()
  events(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    if (this.feed.size >= MAX_FEED_CLIENTS) {
      void reply.status(503).header('retry-after', '10').send({ statusCode: 503, error: 'Service Unavailable', message: 'too many open flow streams' });
      return;
    }
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    if (!this.feed.attach(response)) response.end();
    request.raw.on('close', () => response.end());
  }
}
