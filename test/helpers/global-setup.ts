/** Integration tests need the real Kafka, Schema Registry and Redis: `scripts/test.sh` starts them. */
export default function setup(): void {}
