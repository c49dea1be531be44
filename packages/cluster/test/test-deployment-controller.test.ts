import type { KubeObject } from "@testbed/apimachinery";
import { isPodReady } from "@testbed/apimachinery";
import { SimulatedClock, silentSink } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { DeploymentController, podTemplateHash } from "../src/controllers/deployment-controller.js";
import { ObjectStore } from "../src/store/object-store.js";

const NS = "shop";
const SAFE = "[bcdfghjklmnpqrstvwxz2456789]";

function setup(): { store: ObjectStore; controller: DeploymentController; settle: () => Promise<void> } {
  const clock = new SimulatedClock(Date.parse("2026-01-01T00:00:00Z"));
  const store = new ObjectStore(clock);
  store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  const controller = new DeploymentController();
  controller.start({ store, clock, log: silentSink });
  const settle = async () => {
    let events = 0;
    const off = store.watch(() => events++);
    try {
      for (let round = 0; round < 100; round++) {
        const before = events;
        await store.settled();
        await controller.idle();
        await store.settled();
        if (events === before) return;
      }
      throw new Error("the controller never settled");
    } finally {
      off();
    }
  };
  return { store, controller, settle };
}

function deployment(replicas: number, image = "quay.io/shop/web:1"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: NS, labels: { app: "web" } },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" }, annotations: { team: "checkout" } },
        spec: { containers: [{ name: "main", image }] },
      },
    },
  };
}

const pods = (store: ObjectStore) => store.list("Pod", { namespace: NS });
const names = (list: KubeObject[]) => list.map((p) => p.metadata.name).sort();
const statusOf = (store: ObjectStore) => store.require("apps/Deployment", NS, "web").status;

function markReady(store: ObjectStore, name: string, ready = true): void {
  store.updateStatus("Pod", NS, name, {
    phase: "Running",
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
  });
}

function scale(store: ObjectStore, replicas: number): void {
  const current = store.require("apps/Deployment", NS, "web");
  store.update({ ...current, spec: { ...current.spec, replicas } });
}

function retemplate(store: ObjectStore, image: string): void {
  const current = store.require("apps/Deployment", NS, "web");
  const template = structuredClone(current.spec.template);
  template.spec.containers[0].image = image;
  store.update({ ...current, spec: { ...current.spec, template } });
}

describe("DeploymentController", () => {
  it("creates a ReplicaSet per template whose pods copy the template and leave scheduling and status to the kubelet", async () => {
    const { store, settle } = setup();
    store.create(deployment(3));
    await settle();
    const created = pods(store);
    expect(created).toHaveLength(3);
    const hash = podTemplateHash(deployment(3).spec.template);
    expect(hash).toMatch(new RegExp(`^${SAFE}{10}$`));
    const owner = store.require("apps/Deployment", NS, "web");
    const replicaSet = store.require("apps/ReplicaSet", NS, `web-${hash}`);
    expect(replicaSet.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", uid: owner.metadata.uid });
    expect(replicaSet.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    expect(owner.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    expect(replicaSet.spec).toMatchObject({
      replicas: 3,
      selector: { matchLabels: { app: "web", "pod-template-hash": hash } },
    });
    expect(replicaSet.status).toMatchObject({ replicas: 3 });
    for (const pod of created) {
      expect(pod.metadata.name).toMatch(new RegExp(`^web-${hash}-${SAFE}{5}$`));
      expect(pod.metadata.labels).toEqual({ app: "web", "pod-template-hash": hash });
      expect(pod.metadata.annotations).toEqual({ team: "checkout" });
      expect(pod.metadata.ownerReferences).toEqual([
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `web-${hash}`,
          uid: replicaSet.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(pod.spec).toEqual({ containers: [{ name: "main", image: "quay.io/shop/web:1" }] });
      expect(pod.spec.nodeName).toBeUndefined();
      expect(pod.status).toBeUndefined();
    }
    const status = statusOf(store);
    expect(status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, unavailableReplicas: 3 });
    expect(status.readyReplicas).toBeUndefined();
    expect(status.conditions.find((c: { type: string }) => c.type === "Available")).toMatchObject({
      status: "False",
      reason: "MinimumReplicasUnavailable",
    });
  });

  it("names pods the same way on every run (no randomness)", async () => {
    const first = setup();
    const second = setup();
    for (const { store, settle } of [first, second]) {
      store.create(deployment(4));
      await settle();
    }
    expect(names(pods(first.store))).toEqual(names(pods(second.store)));
    expect(new Set(names(pods(first.store))).size).toBe(4);
  });

  it("reports Ready pods in status so READY / UP-TO-DATE / AVAILABLE read 3/3 3 3", async () => {
    const { store, settle } = setup();
    store.create(deployment(3));
    await settle();
    for (const pod of pods(store)) markReady(store, pod.metadata.name);
    await settle();
    const status = statusOf(store);
    expect(status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(status.unavailableReplicas).toBeUndefined();
    const types = status.conditions.map((c: { type: string; reason: string }) => `${c.type}:${c.reason}`);
    expect(types).toEqual(["Available:MinimumReplicasAvailable", "Progressing:NewReplicaSetAvailable"]);
  });

  it("scales up and down, removing unready pods first", async () => {
    const { store, settle } = setup();
    store.create(deployment(3));
    await settle();
    const [a, b, c] = names(pods(store));
    markReady(store, a as string);
    markReady(store, c as string);
    scale(store, 1);
    await settle();
    // b was not Ready, so it goes first; then the newer of the Ready ones.
    const left = names(pods(store));
    expect(left).toHaveLength(1);
    expect(left).not.toContain(b);
    scale(store, 5);
    await settle();
    expect(pods(store)).toHaveLength(5);
    expect(statusOf(store).observedGeneration).toBe(3);
  });

  it("rolls a template change: new pods first, an old pod removed only as a new one becomes Ready", async () => {
    const { store, settle } = setup();
    store.create(deployment(2));
    await settle();
    const oldPods = names(pods(store));
    for (const name of oldPods) markReady(store, name);
    await settle();

    retemplate(store, "quay.io/shop/web:2");
    await settle();
    const newHash = podTemplateHash(store.require("apps/Deployment", NS, "web").spec.template);
    const surge = pods(store).filter((p) => p.metadata.labels?.["pod-template-hash"] === newHash);
    expect(surge).toHaveLength(1); // maxSurge 25% of 2 rounds up to 1
    expect(pods(store)).toHaveLength(3); // maxUnavailable 25% of 2 rounds down to 0: both old pods stay
    expect(surge[0]?.spec.containers[0].image).toBe("quay.io/shop/web:2");
    expect(statusOf(store).conditions.find((c: { type: string }) => c.type === "Progressing").reason).toBe(
      "ReplicaSetUpdated",
    );

    markReady(store, surge[0]?.metadata.name as string);
    await settle();
    expect(names(pods(store)).filter((n) => oldPods.includes(n))).toHaveLength(1);
    const second = pods(store).filter((p) => p.metadata.labels?.["pod-template-hash"] === newHash && !isPodReady(p));
    expect(second).toHaveLength(1);

    markReady(store, second[0]?.metadata.name as string);
    await settle();
    const final = pods(store);
    expect(final).toHaveLength(2);
    expect(final.every((p) => p.metadata.labels?.["pod-template-hash"] === newHash)).toBe(true);
    expect(statusOf(store)).toMatchObject({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
  });

  it("does not count pods marked for deletion, and replaces them", async () => {
    const { store, settle } = setup();
    store.create(deployment(1));
    await settle();
    const [pod] = pods(store);
    // A finalizer keeps the pod in the store with a deletionTimestamp, as a terminating pod is.
    store.update({
      ...(pod as KubeObject),
      metadata: { ...(pod as KubeObject).metadata, finalizers: ["kubelet/terminate"] } as KubeObject["metadata"],
    });
    store.delete("Pod", NS, pod?.metadata.name as string);
    await settle();
    const all = pods(store);
    expect(all).toHaveLength(2);
    expect(all.filter((p) => !p.metadata.deletionTimestamp)).toHaveLength(1);
    expect(statusOf(store).replicas).toBe(1);
  });

  it("deletes a Deployment's pods with it", async () => {
    const { store, settle } = setup();
    store.create(deployment(2));
    await settle();
    store.delete("apps/Deployment", NS, "web");
    await settle();
    expect(pods(store)).toHaveLength(0);
  });
});
