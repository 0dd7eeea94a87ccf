export * from './service';
export * from './config';
export * from './render';
export * from './context';
export * from './stock-templates';
export * from './recipients';
export * from './deliver';
export { createAwsClients } from './channels/aws-clients';
export { createChannelSet } from './channels/channel-set';
