// The Redis Cluster hash slot of a key (CRC16 of the key or of its {hash tag}, modulo 16384); ioredis depends on it.
declare module 'cluster-key-slot' {
  function calculateSlot(key: string): number;
  export = calculateSlot;
}
