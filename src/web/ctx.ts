// What every page handler receives: the GraphQL runner bound to the caller, who the caller is, the
// form token, and one way to answer.
import type { Request, Response } from 'express';
import type { Gql } from './gql.ts';
import type { Html } from './html.ts';
import { page, type Viewer } from './layout.ts';
import type { Session } from './session.ts';

export interface WebCtx {
  gql: Gql;
  viewer: Viewer | null;
  session: Session | null;
  csrf: string;
}

export type Handler = (req: Request, res: Response, w: WebCtx) => Promise<void>;

/** Pages depend on who asks (the session cookie): private, revalidated, varied by cookie. */
export function sendPage(res: Response, w: WebCtx, title: string, section: string, body: Html, status = 200): void {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'private, no-cache',
      vary: 'Cookie',
    })
    .send(page({ title, section, viewer: w.viewer, csrf: w.csrf }, body));
}

/** A query parameter as one string ('' when absent or repeated). */
export function param(req: Request, name: string): string {
  const v = req.query[name];
  return typeof v === 'string' ? v.trim() : '';
}
