// The fields of the built-in kinds, so that unknown ones are handled as the API server's decoder does:
// dropped with a warning (fieldValidation Warn, the default), refused (Strict) or dropped silently
// (Ignore). `true` accepts any value below that point.
import { isObject, type JsonObject } from "./json.js";

type Shape = true | { [field: string]: Shape } | [Shape];

const any = true as const;
const fields = (names: string): Record<string, Shape> => Object.fromEntries(names.split(/\s+/).filter(Boolean).map((n) => [n, any]));

const labelSelector: Shape = fields("matchLabels matchExpressions");
const ownerReference: Shape = fields("apiVersion kind name uid controller blockOwnerDeletion");
const objectMeta: Shape = {
  ...fields("name generateName namespace selfLink uid resourceVersion generation creationTimestamp deletionTimestamp deletionGracePeriodSeconds labels annotations finalizers managedFields"),
  ownerReferences: [ownerReference],
};
const handler: Shape = { exec: fields("command"), httpGet: fields("path port host scheme httpHeaders"), tcpSocket: fields("port host"), sleep: fields("seconds") };
const probe: Shape = { ...handler, ...fields("grpc initialDelaySeconds timeoutSeconds periodSeconds successThreshold failureThreshold terminationGracePeriodSeconds") };
const envVar: Shape = { ...fields("name value"), valueFrom: fields("fieldRef resourceFieldRef configMapKeyRef secretKeyRef") };
const containerSecurity: Shape = fields("capabilities privileged seLinuxOptions windowsOptions runAsUser runAsGroup runAsNonRoot readOnlyRootFilesystem allowPrivilegeEscalation procMount seccompProfile appArmorProfile");
const container: Shape = {
  ...fields("name image command args workingDir envFrom resizePolicy restartPolicy volumeDevices terminationMessagePath terminationMessagePolicy imagePullPolicy stdin stdinOnce tty"),
  ports: [fields("name hostPort containerPort protocol hostIP")],
  env: [envVar],
  resources: fields("limits requests claims"),
  volumeMounts: [fields("name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr")],
  livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
  lifecycle: { postStart: handler, preStop: handler },
  securityContext: containerSecurity,
};
const keyToPath = fields("key path mode");
const volume: Shape = {
  ...fields("name hostPath gcePersistentDisk awsElasticBlockStore gitRepo nfs iscsi glusterfs persistentVolumeClaim rbd flexVolume cinder cephfs flocker downwardAPI fc azureFile vsphereVolume quobyte azureDisk photonPersistentDisk portworxVolume scaleIO storageos csi ephemeral image"),
  configMap: { ...fields("name defaultMode optional"), items: [keyToPath] },
  secret: { ...fields("secretName defaultMode optional"), items: [keyToPath] },
  emptyDir: fields("medium sizeLimit"),
  projected: fields("sources defaultMode"),
};
const podSpec: Shape = {
  ...fields("restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace imagePullSecrets hostname subdomain affinity schedulerName hostAliases priorityClassName priority dnsConfig readinessGates runtimeClassName enableServiceLinks preemptionPolicy overhead setHostnameAsFQDN os hostUsers schedulingGates resourceClaims resources ephemeralContainers"),
  volumes: [volume],
  initContainers: [container],
  containers: [container],
  securityContext: fields("seLinuxOptions windowsOptions runAsUser runAsGroup runAsNonRoot supplementalGroups supplementalGroupsPolicy fsGroup sysctls fsGroupChangePolicy seccompProfile appArmorProfile seLinuxChangePolicy"),
  tolerations: [fields("key operator value effect tolerationSeconds")],
  topologySpreadConstraints: [{ ...fields("maxSkew topologyKey whenUnsatisfiable minDomains nodeAffinityPolicy nodeTaintsPolicy matchLabelKeys"), labelSelector }],
};
const podTemplate: Shape = { metadata: objectMeta, spec: podSpec };
const top = (extra: Record<string, Shape>): Shape => ({ apiVersion: any, kind: any, metadata: objectMeta, ...extra });

const SHAPES: Record<string, Shape> = {
  "|namespaces": top({ spec: fields("finalizers"), status: any }),
  "|configmaps": top(fields("data binaryData immutable")),
  "|secrets": top(fields("data stringData type immutable")),
  "|services": top({
    spec: {
      ...fields("selector clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig ipFamilies ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution"),
      ports: [fields("name protocol appProtocol port targetPort nodePort")],
    },
    status: any,
  }),
  "|pods": top({ spec: podSpec, status: any }),
  "|events": top(fields("involvedObject reason message source firstTimestamp lastTimestamp count type eventTime series action related reportingComponent reportingInstance")),
  "|serviceaccounts": top(fields("secrets imagePullSecrets automountServiceAccountToken")),
  "apps|statefulsets": top({
    spec: {
      ...fields("replicas volumeClaimTemplates serviceName podManagementPolicy revisionHistoryLimit minReadySeconds"),
      selector: labelSelector, template: podTemplate,
      updateStrategy: { type: any, rollingUpdate: fields("partition maxUnavailable") },
      persistentVolumeClaimRetentionPolicy: fields("whenDeleted whenScaled"),
      ordinals: fields("start"),
    },
    status: any,
  }),
  "apps|deployments": top({
    spec: {
      ...fields("replicas minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds"),
      selector: labelSelector, template: podTemplate,
      strategy: { type: any, rollingUpdate: fields("maxUnavailable maxSurge") },
    },
    status: any,
  }),
  "policy|poddisruptionbudgets": top({ spec: { ...fields("minAvailable maxUnavailable unhealthyPodEvictionPolicy"), selector: labelSelector }, status: any }),
  "coordination.k8s.io|leases": top({ spec: fields("holderIdentity leaseDurationSeconds acquireTime renewTime leaseTransitions strategy preferredHolder") }),
  "events.k8s.io|events": top(fields("eventTime series reportingController reportingInstance action reason regarding related note type deprecatedSource deprecatedFirstTimestamp deprecatedLastTimestamp deprecatedCount")),
  "rbac.authorization.k8s.io|roles": top({ rules: [fields("verbs apiGroups resources resourceNames nonResourceURLs")] }),
  "rbac.authorization.k8s.io|clusterroles": top({ rules: [fields("verbs apiGroups resources resourceNames nonResourceURLs")], aggregationRule: any }),
  "rbac.authorization.k8s.io|rolebindings": top({ subjects: [fields("kind apiGroup name namespace")], roleRef: fields("apiGroup kind name") }),
  "rbac.authorization.k8s.io|clusterrolebindings": top({ subjects: [fields("kind apiGroup name namespace")], roleRef: fields("apiGroup kind name") }),
  "apiextensions.k8s.io|customresourcedefinitions": top({ spec: any, status: any }),
};

function walk(value: unknown, shape: Shape, path: string, out: string[]): void {
  if (shape === true) return;
  if (Array.isArray(shape)) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, shape[0], `${path}[${i}]`, out));
    return;
  }
  if (!isObject(value)) return;
  for (const k of Object.keys(value)) {
    const sub = path ? `${path}.${k}` : k;
    const s = shape[k];
    if (s === undefined) { out.push(sub); delete value[k]; } else walk(value[k], s, sub, out);
  }
}

/** Removes the fields a built-in kind does not have and returns their paths; unknown kinds are left alone. */
export function pruneBuiltin(storageKey: string, o: JsonObject): string[] {
  const shape = SHAPES[storageKey];
  const out: string[] = [];
  if (shape) walk(o, shape, "", out);
  return out;
}
