import type { NextFunction, Request, Response } from 'express';
import type { Sessions, UserSession } from '../auth/sessions.ts';
import { notLoggedIn, sendError } from './errors.ts';

/** Rejects requests without a live session; handlers then read it with `sessionOf(res)`. */
export const requireSession =
  (sessions: Sessions) =>
  (req: Request, res: Response, next: NextFunction): void => {
    sessions
      .authenticate(req)
      .then((session) => {
        if (!session) return sendError(res, notLoggedIn());
        res.locals.session = session;
        next();
      })
      .catch(next);
  };

export const sessionOf = (res: Response): UserSession => res.locals.session as UserSession;
