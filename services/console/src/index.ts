export { startConsole, type Console, type ConsoleConfig } from './service';
export { CONSOLE_ENV } from './config';
