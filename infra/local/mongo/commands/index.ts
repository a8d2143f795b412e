/**
 * Command dispatch: the first field of a command document names it. Unknown commands get the
 * exact reply mongod gives (code 59 CommandNotFound) rather than a guess.
 */
import { CommandError, ErrorCodes } from '../errors.ts';
import type { Document } from '../values.ts';
import { catalogCommands } from './catalog.ts';
import { type CommandContext, type CommandHandler, type CommandReply, commandName } from './context.ts';
import { handshakeCommands } from './handshake.ts';
import { readCommands } from './read.ts';
import { writeCommands } from './write.ts';

const COMMANDS: ReadonlyMap<string, CommandHandler> = new Map(
  Object.entries({ ...handshakeCommands, ...readCommands, ...writeCommands, ...catalogCommands }),
);

export function isKnownCommand(name: string): boolean {
  return COMMANDS.has(name);
}

export function runCommand(command: Document, context: CommandContext): CommandReply | Promise<CommandReply> {
  const name = commandName(command);
  const handler = COMMANDS.get(name);
  if (!handler) throw new CommandError(ErrorCodes.CommandNotFound, `no such command: '${name}'`);
  if (command.autocommit !== undefined || command.startTransaction !== undefined) {
    // What a standalone mongod answers: multi-document transactions need a replica set.
    throw new CommandError(
      ErrorCodes.IllegalOperation,
      'Transaction numbers are only allowed on a replica set member or mongos',
    );
  }
  return handler(command, context);
}

export type { CommandContext, CommandReply };
