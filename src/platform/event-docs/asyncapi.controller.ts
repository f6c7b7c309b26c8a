import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { EVENT_DOCS, EventDocs } from './event-docs';

/** The event contracts beside the OpenAPI `/docs`, and limited no harder than it. */
@ApiExcludeController()
@SkipThrottle()
@Controller()
export class AsyncApiController {
  constructor(@Inject(EVENT_DOCS) private readonly docs: EventDocs) {}

  @Get('asyncapi.json')
  document() {
    return this.docs.document;
  }

  @Get('asyncapi')
  @Header('content-type', 'text/html; charset=utf-8')
  page() {
    return this.docs.page;
  }
}
