export { ConfigurationError, type ConfigurationProblem } from './errors';
export { validateNcrontab } from './ncrontab';
export * from './settings';
