// A second testbed on a subnet another one uses got pods that could not bind their addresses
// (CrashLoopBackOff gateways). Now the cluster refuses to start, naming a free subnet.
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { defaultNodes } from "../src/kubelet/pod-network.js";
import { checkSubnetFree, SubnetInUseError } from "../src/kubelet/subnet-in-use.js";
import { startTestbed } from "../src/testbed.js";

const SUBNET = 219;
const listeners: Server[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Something listening on a pod address of the subnet, as another testbed's pod would. */
async function listenOn(host: string): Promise<void> {
  const server = createServer();
  listeners.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
}

describe("a taken pod subnet", () => {
  it("is free while nothing listens on its pod addresses", async () => {
    await expect(checkSubnetFree(SUBNET, defaultNodes())).resolves.toBeUndefined();
  });

  it("is refused with the listener found and another subnet to pass", async () => {
    await listenOn(`127.131.${SUBNET}.21`);
    const error = await checkSubnetFree(SUBNET, defaultNodes()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SubnetInUseError);
    const taken = error as SubnetInUseError;
    expect(taken.listener).toMatch(new RegExp(`^127\\.131\\.${SUBNET}\\.21:\\d+$`));
    expect(taken.freeSubnet).toBeDefined();
    expect(taken.freeSubnet).not.toBe(SUBNET);
    await expect(checkSubnetFree(taken.freeSubnet as number, defaultNodes())).resolves.toBeUndefined();
    expect(taken.message).toBe(
      `subnet ${SUBNET} is in use (${taken.listener} is listening: another testbed?); pass --subnet ${taken.freeSubnet}`,
    );
  });

  it("stops startTestbed before it starts anything", async () => {
    await listenOn(`127.128.${SUBNET}.22`);
    await expect(startTestbed({ apiPort: 0, subnet: SUBNET })).rejects.toThrow(`subnet ${SUBNET} is in use`);
  });
});
