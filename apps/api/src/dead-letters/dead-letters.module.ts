import { Module } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { DeadLettersController } from './dead-letters.controller';

/** `/dlq` endpoints (see DeadLettersController). */
@Module({ controllers: [DeadLettersController], providers: [AdminTokenGuard] })
export class DeadLettersModule {}
