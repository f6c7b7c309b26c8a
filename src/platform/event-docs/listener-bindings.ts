import { Type } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { PATTERN_EXTRAS_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';

/** One `@EventPattern(type, { consumer })` method: the consumer module reads that event type. */
export interface ListenerBinding {
  type: string;
  consumer: string;
}

/**
 * Who consumes what, read from the listeners' own decorators (the metadata Nest's transports
 * register them from), so the documents cannot drift from the code. Reads classes, starts nothing:
 * it serves a process running one module as well as a script.
 */
export function listenerBindings(modules: readonly Type[]): ListenerBinding[] {
  const bindings = new Map<string, ListenerBinding>();
  for (const controller of modules.flatMap(controllersOf)) {
    for (const method of methodsOf(controller)) {
      const patterns: unknown[] = Reflect.getMetadata(PATTERN_METADATA, method) ?? [];
      const consumer = Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method)?.consumer;
      for (const type of patterns) {
        if (typeof type === 'string' && typeof consumer === 'string') bindings.set(`${type} ${consumer}`, { type, consumer });
      }
    }
  }
  return [...bindings.values()];
}

function controllersOf(module: Type): Type[] {
  const own: Type[] = Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, module) ?? [];
  const imported: unknown[] = Reflect.getMetadata(MODULE_METADATA.IMPORTS, module) ?? [];
  // Imported classes only: dynamic modules (a database, a config) carry no listeners.
  return [...own, ...imported.filter((i): i is Type => typeof i === 'function').flatMap(controllersOf)];
}

function methodsOf(controller: Type): ((...args: unknown[]) => unknown)[] {
  const methods: ((...args: unknown[]) => unknown)[] = [];
  for (let proto = controller.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = Object.getOwnPropertyDescriptor(proto, name)?.value;
      if (name !== 'constructor' && typeof value === 'function') methods.push(value);
    }
  }
  return methods;
}
