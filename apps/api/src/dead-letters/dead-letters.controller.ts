import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { StreamsTopology } from '@app/shield-platform';
import { InvalidOptionsError } from '@app/redis-streams';
import { DeadLetterRecord, RedisStreamsAdmin, RedriveResult } from '@app/redis-streams/admin';
import { AdminTokenGuard } from './admin-token.guard';
import {
  DeadLetterFilterDto,
  DeadLetterSelectionDto,
  ListDeadLettersQuery,
  PurgeDeadLettersDto,
  RedriveDeadLettersDto,
} from './dead-letter.dto';

const time = (iso: string | undefined): number | undefined =>
  iso === undefined ? undefined : Date.parse(iso);

/**
 * Dead letters of the topology's streams: list, show, redrive (to the group each failed in, only that group),
 * purge (needs `confirm: true`). Thin over the library's admin functions, like the CLI.
 */
@Controller('dlq')
@UseGuards(AdminTokenGuard)
export class DeadLettersController {
  constructor(
    private readonly streams: RedisStreamsAdmin,
    private readonly topology: StreamsTopology,
  ) {}

  /** `GET /dlq?stream=&group=&reason=&pattern=&since=&until=&limit=&after=` (payload fields included). */
  @Get()
  list(@Query() query: ListDeadLettersQuery): Promise<DeadLetterRecord[]> {
    return this.admin(() =>
      this.streams.listDeadLetters(this.known(query.stream), {
        ...this.filter(query),
        limit: query.limit,
        after: query.after,
      }),
    );
  }

  /** `GET /dlq/:stream/:id` (URL-encode the stream: `shield%3Aevents`). */
  @Get(':stream/:id')
  async show(@Param('stream') stream: string, @Param('id') id: string): Promise<DeadLetterRecord> {
    const record = await this.admin(() => this.streams.getDeadLetter(this.known(stream), id));
    if (!record) {
      throw new NotFoundException(`no dead letter ${id} on ${stream}`);
    }
    return record;
  }

  /** `POST /dlq/redrive`: by ids or filter; `dryRun` reports without changing anything. Recorded in the DLQ log. */
  @Post('redrive')
  @HttpCode(200)
  redrive(@Body() body: RedriveDeadLettersDto, @Req() request: Request): Promise<RedriveResult> {
    return this.admin(() =>
      this.streams.redrive(this.known(body.stream), {
        ...this.selection(body, request),
        dryRun: body.dryRun,
        ratePerSecond: body.ratePerSecond,
      }),
    );
  }

  /** `POST /dlq/purge` with `confirm: true`: deletes for good. Recorded in the DLQ log. */
  @Post('purge')
  @HttpCode(200)
  purge(
    @Body() body: PurgeDeadLettersDto,
    @Req() request: Request,
  ): Promise<{ purged: number; ids: string[] }> {
    return this.admin(() =>
      this.streams.purge(this.known(body.stream), {
        ...this.selection(body, request),
        confirm: body.confirm,
      }),
    );
  }

  private known(stream: string): string {
    if (!this.topology.has(stream)) {
      throw new BadRequestException(
        `unknown stream "${stream.slice(0, 100)}"; known: ${this.topology.streams().join(', ')}`,
      );
    }
    return stream;
  }

  private filter(dto: DeadLetterFilterDto) {
    return {
      group: dto.group,
      reason: dto.reason,
      pattern: dto.pattern,
      since: time(dto.since),
      until: time(dto.until),
    };
  }

  private selection(dto: DeadLetterSelectionDto, request: Request) {
    const by = `${dto.by ?? 'api'} (${request.ip ?? 'unknown address'})`;
    return { ...this.filter(dto), ids: dto.ids, all: dto.all, limit: dto.limit, by };
  }

  /** Library option errors (no selection, bad id) are the caller's: 400, with the library's message. */
  private async admin<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof InvalidOptionsError) {
        throw new BadRequestException(error.message);
      }
      throw error;
    }
  }
}
