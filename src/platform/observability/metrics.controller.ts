import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { FastifyReply } from 'fastify';
import { ServedOn } from '../admin/served-on';

/** Prometheus at /metrics: on ADMIN_PORT only when it is set; a scrape reads memory, never the database. */
@ApiTags('operations')
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @ServedOn('admin')
  override index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    return super.index(response);
  }
}
