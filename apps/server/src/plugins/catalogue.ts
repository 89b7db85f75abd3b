// What the web app builds its forms from: the scenarios with their parameters, the presets and
// every knob with its allowed values.
import { knobs, presets, scenarios } from '@lockscope/sim';
import type { FastifyPluginAsync } from 'fastify';

export const catalogue: FastifyPluginAsync = async (app) => {
  app.get('/api/scenarios', async () => ({ scenarios }));

  app.get('/api/presets', async () => ({ presets, knobs }));
};
