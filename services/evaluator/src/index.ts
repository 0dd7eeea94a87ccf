export { startEvaluator, type Evaluator, type EvaluatorConfig, type EvaluatorOptions } from './service';
export { EVALUATOR_ENV } from './config';
