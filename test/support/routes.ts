import { type INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { IS_PUBLIC_ROUTE } from '../../src/common/access/public.decorator.js';
import { ROUTE_ACCESS, type RouteAccess } from '../../src/common/access/route-access.js';

export interface RegisteredRoute {
  method: string;
  path: string;
  /** `METHOD /path`, with Nest's `:param` placeholders. */
  route: string;
  isPublic: boolean;
  /** The route's declared access (the handler's, else its controller's); undefined when none is declared. */
  access: RouteAccess | undefined;
  /** The controller class and its handler's name, for reading the handler's metadata. */
  controller: new (...args: never[]) => object;
  handlerName: string;
}

/** Every route Nest registered, from its controllers' metadata: what a suite must not forget a row for. */
export function registeredRoutes(app: INestApplication): RegisteredRoute[] {
  const scanner = new MetadataScanner();
  const routes: RegisteredRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller) continue;
      const prefix = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const classIsPublic = Reflect.getMetadata(IS_PUBLIC_ROUTE, controller) === true;
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const handlerPath = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const path = `/${[prefix, handlerPath].filter((part) => part && part !== '/').join('/')}`.replace(/\/+/g, '/');
        routes.push({
          method: RequestMethod[method],
          path,
          route: `${RequestMethod[method]} ${path}`,
          isPublic: classIsPublic || Reflect.getMetadata(IS_PUBLIC_ROUTE, handler) === true,
          access: (Reflect.getMetadata(ROUTE_ACCESS, handler) ?? Reflect.getMetadata(ROUTE_ACCESS, controller)) as RouteAccess | undefined,
          controller,
          handlerName: name,
        });
      }
    }
  }
  return routes;
}
