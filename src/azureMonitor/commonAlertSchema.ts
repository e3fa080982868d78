// The schema is shared vocabulary (the renderers read it too): src/domain/commonAlert.ts.
export { commonAlert, type CommonAlert } from '../domain/commonAlert.js';
