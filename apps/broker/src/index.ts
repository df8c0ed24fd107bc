export { BrokerModule } from './broker.module.js';
export { BrokerService } from './broker.service.js';
export { BROKER_OPTIONS, type BrokerOptions, type BrokerSecurityOptions } from './broker.options.js';
export { AclOperation, ResourceType } from './security/acl.js';
export { RequestAuthorizer, type RequestPrincipal } from './security/request-authorizer.js';
export { API_AUTHORIZATION, type AclCheck, type ApiAuthorization, type Permission } from './security/api-authorization.js';
export { BROKER_KEYS, BROKER_LISTENER_KEYS, brokerOptions } from './config.js';
export { coordinatorWaitMs, forwardToCoordinator } from './api/groups.js';
export type { ClientContext } from './network/request-handler.js';
