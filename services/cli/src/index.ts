export { main } from './main.js';
export { startShutdownDeadlineMs } from './commands/start.js';
