/**
 * Campaign sender (queue fed by `CampaignPageDue`): sends one page of a campaign's segment
 * members per delivery, at the configured rate, and chains the next page (sending.ts).
 */
import { consumer } from '#events/consumer.ts';
import { sendPage } from './sending.ts';

export const campaignSender = consumer({
  name: 'campaignSender',
  handlers: { CampaignPageDue: (event, tx) => sendPage(event, tx) },
});

export const handler = campaignSender.handler;
