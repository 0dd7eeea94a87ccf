export { startEnforcer, type Enforcer, type EnforcerConfig } from './service';
export { ENFORCER_ENV } from './config';
