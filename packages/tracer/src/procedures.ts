// Names of libvirt's remote procedures (src/remote/remote_protocol.x), for the API spans of a
// traced daemon. The numbers are part of libvirt's wire protocol and never change; the table
// lists the calls virsh and the workloads make, others are named by number.

/** Remote procedure number -> public API name. */
export const REMOTE_PROCEDURES: Record<number, string> = {
  1: 'virConnectOpen',
  2: 'virConnectClose',
  3: 'virConnectGetType',
  4: 'virConnectGetVersion',
  5: 'virConnectGetMaxVcpus',
  6: 'virNodeGetInfo',
  7: 'virConnectGetCapabilities',
  9: 'virDomainCreate',
  10: 'virDomainCreateXML',
  11: 'virDomainDefineXML',
  12: 'virDomainDestroy',
  14: 'virDomainGetXMLDesc',
  15: 'virDomainGetAutostart',
  16: 'virDomainGetInfo',
  17: 'virDomainGetMaxMemory',
  18: 'virDomainGetMaxVcpus',
  19: 'virDomainGetOSType',
  20: 'virDomainGetVcpus',
  21: 'virConnectListDefinedDomains',
  22: 'virDomainLookupByID',
  23: 'virDomainLookupByName',
  24: 'virDomainLookupByUUID',
  25: 'virConnectNumOfDefinedDomains',
  27: 'virDomainReboot',
  28: 'virDomainResume',
  29: 'virDomainSetAutostart',
  33: 'virDomainShutdown',
  34: 'virDomainSuspend',
  35: 'virDomainUndefine',
  37: 'virConnectListDomains',
  51: 'virConnectNumOfDomains',
  59: 'virConnectGetHostname',
  60: 'virConnectSupportsFeature',
  66: 'virConnectAuthList',
  110: 'virConnectGetURI',
  121: 'virDomainGetSecurityLabel',
  122: 'virNodeGetSecurityModel',
  149: 'virConnectIsSecure',
  150: 'virDomainIsActive',
  151: 'virDomainIsPersistent',
  157: 'virConnectGetLibVersion',
  163: 'virDomainGetJobInfo',
  167: 'virConnectDomainEventRegisterAny',
  168: 'virConnectDomainEventDeregisterAny',
  183: 'virDomainHasManagedSaveImage',
  184: 'virDomainManagedSaveRemove',
  187: 'virDomainSnapshotNum',
  196: 'virDomainCreateWithFlags',
  202: 'virDomainIsUpdated',
  203: 'virConnectGetSysinfo',
  212: 'virDomainGetState',
  231: 'virDomainUndefineFlags',
  234: 'virDomainDestroyFlags',
  258: 'virDomainShutdownFlags',
  265: 'virDomainGetMetadata',
  273: 'virConnectListAllDomains',
  274: 'virDomainListAllSnapshots',
  298: 'virDomainGetJobStats',
  309: 'virDomainCreateXMLWithFiles',
  310: 'virDomainCreateWithFiles',
  316: 'virConnectDomainEventCallbackRegisterAny',
  317: 'virConnectDomainEventCallbackDeregisterAny',
  342: 'virConnectGetDomainCapabilities',
  344: 'virConnectGetAllDomainStats',
  350: 'virDomainDefineXMLFlags',
  358: 'virDomainRename',
  360: 'virConnectRegisterCloseCallback',
  361: 'virConnectUnregisterCloseCallback',
};

/**
 * Calls whose first argument names a domain (a domain handle, a domain name or a domain XML):
 * the library reads the name from the call's arguments and the span gets it as its subject.
 */
export function procedureNamesDomain(program: number, proc: number): boolean {
  if (program !== 1) return false;
  const name = REMOTE_PROCEDURES[proc];
  return name !== undefined && name.startsWith('virDomain') && name !== 'virDomainLookupByUUID' && name !== 'virDomainLookupByID';
}

export function procedureName(program: number, proc: number): string {
  if (program === 1) return REMOTE_PROCEDURES[proc] ?? `remote procedure ${proc}`;
  if (program === 2) return `qemu procedure ${proc}`;
  return `procedure ${proc}`;
}
