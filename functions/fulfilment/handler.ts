/** Fulfilment consumer (queue fed by `OrderPlaced`): starts fulfilment of each placed order. */
import { consumer } from '#events/consumer.ts';
import { startFulfilment } from './fulfilment.ts';

export const fulfilment = consumer({ name: 'fulfilment', handlers: { OrderPlaced: startFulfilment } });

export const handler = fulfilment.handler;
