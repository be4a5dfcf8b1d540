/** Service desk, changing tickets: thin handler over workflow moves, checklists, approvals and comments. */
import { httpApi, json } from '#shared/http/handler.ts';
import { ticketChangeRoutes } from './change-contract.ts';
import { addChecklistItem, approveChange, tickChecklistItem, updateTicket } from './changes.ts';
import { commentOnTicket } from './comments.ts';
import { ticketResponse } from './respond.ts';
import { ifMatchVersion } from './schemas.ts';
import { commentView } from './tickets.ts';

export const handler = httpApi(ticketChangeRoutes, {
  updateTicket: async ({ params, body, headers, principal, requestId }) =>
    ticketResponse(
      principal,
      await updateTicket({
        ticketId: params.id,
        principal,
        input: body,
        expectedVersion: ifMatchVersion(headers['if-match']),
        correlationId: requestId,
      }),
    ),
  commentOnTicket: async ({ params, body, principal, idempotencyKey, requestId }) => {
    const { comment } = await commentOnTicket({
      ticketId: params.id,
      principal,
      input: body,
      idempotencyKey,
      correlationId: requestId,
    });
    return json(commentView(comment, principal.isStaff), 201);
  },
  addChecklistItem: async ({ params, body, principal, requestId }) =>
    ticketResponse(
      principal,
      await addChecklistItem({ ticketId: params.id, principal, correlationId: requestId, text: body.text }),
      201,
    ),
  tickChecklistItem: async ({ params, body, principal, requestId }) =>
    ticketResponse(
      principal,
      await tickChecklistItem({
        ticketId: params.id,
        principal,
        correlationId: requestId,
        itemId: params.itemId,
        done: body.done,
      }),
    ),
  approveChange: async ({ params, principal, requestId }) =>
    ticketResponse(
      principal,
      await approveChange({ ticketId: params.id, principal, correlationId: requestId }),
    ),
});
