export { BrokerModule } from './broker.module.js';
export { BrokerService } from './broker.service.js';
export { BROKER_OPTIONS, type BrokerOptions, type BrokerSecurityOptions } from './broker.options.js';
export { AclOperation, ResourceType } from './security/acl.js';
export { RequestAuthorizer, type RequestPrincipal } from './security/request-authorizer.js';
export { SecurityConfigError, securityFromProperties, STANDARD_AUTHORIZER_CLASS } from './security/server-properties.js';
export { SUPPORTED_SASL_MECHANISMS } from './security/listener-security.js';
export { brokerConfig, brokerListenerConfig } from './config.js';
