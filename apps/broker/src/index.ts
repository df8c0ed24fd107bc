export { BrokerModule } from './broker.module.js';
export { BrokerService } from './broker.service.js';
export { BROKER_OPTIONS, type BrokerOptions } from './broker.options.js';
export { brokerConfig, brokerListenerConfig } from './config.js';
