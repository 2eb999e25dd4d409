using System.Text.Json.Nodes;
using Skiff.Apimachinery.Protobuf;
using Skiff.Apimachinery.Tests.Patching;

namespace Skiff.Apimachinery.Tests.Protobuf;

/// <summary>JSON → protobuf → JSON for every supported kind, with objects shaped like the real API serves them.</summary>
public class RoundTripTests
{
    private const string Metadata = """
        'metadata':{'name':'web-7d4b9c8f6-x2x9q','generateName':'web-7d4b9c8f6-','namespace':'default','uid':'2b1c4f7e-1111-4a0b-9c1d-0123456789ab',
          'resourceVersion':'4711','generation':3,'creationTimestamp':'2026-11-27T10:00:00Z','deletionTimestamp':'2026-11-27T11:00:00Z',
          'deletionGracePeriodSeconds':30,'labels':{'app':'web','pod-template-hash':'7d4b9c8f6'},'annotations':{'note':'a \"quoted\" value'},
          'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'web-7d4b9c8f6','uid':'9f0e','controller':true,'blockOwnerDeletion':true}],
          'finalizers':['example.com/keep'],
          'managedFields':[{'manager':'kubectl-create','operation':'Update','apiVersion':'v1','time':'2026-11-27T10:00:00Z','fieldsType':'FieldsV1',
            'fieldsV1':{'f:metadata':{'f:labels':{'.':{},'f:app':{}}},'f:spec':{'f:containers':{'k:{\"name\":\"web\"}':{'.':{},'f:image':{}}}}}}]}
        """;

    private const string PodSpec = """
        'spec':{
          'volumes':[{'name':'data','emptyDir':{'sizeLimit':'1Gi'}},{'name':'cfg','configMap':{'name':'app-config','items':[{'key':'a','path':'a.txt','mode':420}],'defaultMode':420,'optional':false}},
            {'name':'sec','secret':{'secretName':'creds','defaultMode':256}},{'name':'host','hostPath':{'path':'/var/log','type':'Directory'}},
            {'name':'claim','persistentVolumeClaim':{'claimName':'pvc-1','readOnly':true}},
            {'name':'kube-api-access','projected':{'sources':[{'serviceAccountToken':{'expirationSeconds':3607,'path':'token'}},
              {'configMap':{'name':'kube-root-ca.crt','items':[{'key':'ca.crt','path':'ca.crt'}]}},
              {'downwardAPI':{'items':[{'path':'namespace','fieldRef':{'apiVersion':'v1','fieldPath':'metadata.namespace'}}]}}],'defaultMode':420}}],
          'initContainers':[{'name':'init','image':'busybox:1.36','command':['sh','-c','true'],'resources':{},'terminationMessagePath':'/dev/termination-log','terminationMessagePolicy':'File','imagePullPolicy':'IfNotPresent','restartPolicy':'Always'}],
          'containers':[{'name':'web','image':'nginx:1.27','args':['-g','daemon off;'],'workingDir':'/srv',
            'ports':[{'name':'http','containerPort':80,'protocol':'TCP'},{'containerPort':9090,'hostPort':9090,'protocol':'UDP','hostIP':'0.0.0.0'}],
            'envFrom':[{'prefix':'CFG_','configMapRef':{'name':'app-config','optional':true}},{'secretRef':{'name':'creds'}}],
            'env':[{'name':'MODE','value':'fast'},{'name':'POD_IP','valueFrom':{'fieldRef':{'apiVersion':'v1','fieldPath':'status.podIP'}}},
              {'name':'PASSWORD','valueFrom':{'secretKeyRef':{'name':'creds','key':'password','optional':false}}},
              {'name':'LEVEL','valueFrom':{'configMapKeyRef':{'name':'app-config','key':'level'}}},
              {'name':'MEM','valueFrom':{'resourceFieldRef':{'containerName':'web','resource':'limits.memory','divisor':'1Mi'}}}],
            'resources':{'limits':{'cpu':'500m','memory':'256Mi'},'requests':{'cpu':'100m','memory':'64Mi'}},
            'volumeMounts':[{'name':'data','mountPath':'/data'},{'name':'cfg','readOnly':true,'mountPath':'/etc/app','subPath':'app','mountPropagation':'None'}],
            'livenessProbe':{'httpGet':{'path':'/healthz','port':'http','scheme':'HTTP','httpHeaders':[{'name':'X-Probe','value':'1'}]},'initialDelaySeconds':5,'timeoutSeconds':1,'periodSeconds':10,'successThreshold':1,'failureThreshold':3},
            'readinessProbe':{'tcpSocket':{'port':80},'periodSeconds':5,'terminationGracePeriodSeconds':0},
            'startupProbe':{'exec':{'command':['cat','/tmp/ready']},'failureThreshold':30},
            'lifecycle':{'preStop':{'sleep':{'seconds':5}},'postStart':{'exec':{'command':['sh','-c','echo started']}}},
            'terminationMessagePath':'/dev/termination-log','terminationMessagePolicy':'FallbackToLogsOnError','imagePullPolicy':'Always',
            'securityContext':{'capabilities':{'add':['NET_BIND_SERVICE'],'drop':['ALL']},'privileged':false,'runAsUser':0,'runAsNonRoot':false,'readOnlyRootFilesystem':true,'allowPrivilegeEscalation':false,'seccompProfile':{'type':'RuntimeDefault'}},
            'stdin':true,'tty':true}],
          'restartPolicy':'Always','terminationGracePeriodSeconds':0,'activeDeadlineSeconds':600,'dnsPolicy':'ClusterFirst','nodeSelector':{'kubernetes.io/os':'linux'},
          'serviceAccountName':'default','serviceAccount':'default','automountServiceAccountToken':false,'nodeName':'node-1','hostNetwork':true,'shareProcessNamespace':true,
          'securityContext':{'runAsUser':1000,'runAsGroup':3000,'fsGroup':2000,'supplementalGroups':[4000,5000],'sysctls':[{'name':'net.core.somaxconn','value':'1024'}]},
          'imagePullSecrets':[{'name':'regcred'}],'hostname':'web','subdomain':'svc',
          'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[{'matchExpressions':[{'key':'zone','operator':'In','values':['a','b']}]}]},
              'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':10,'preference':{'matchExpressions':[{'key':'ssd','operator':'Exists'}]}}]},
            'podAntiAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':100,'podAffinityTerm':{'labelSelector':{'matchLabels':{'app':'web'}},'topologyKey':'kubernetes.io/hostname'}}]}},
          'schedulerName':'default-scheduler',
          'tolerations':[{'key':'node.kubernetes.io/not-ready','operator':'Exists','effect':'NoExecute','tolerationSeconds':300},{'operator':'Exists'}],
          'hostAliases':[{'ip':'10.0.0.1','hostnames':['db.local']}],'priorityClassName':'high','priority':0,
          'dnsConfig':{'nameservers':['1.1.1.1'],'searches':['svc.local'],'options':[{'name':'ndots','value':'2'},{'name':'edns0'}]},
          'readinessGates':[{'conditionType':'example.com/ready'}],'runtimeClassName':'runc','enableServiceLinks':true,'preemptionPolicy':'PreemptLowerPriority',
          'overhead':{'cpu':'10m'},
          'topologySpreadConstraints':[{'maxSkew':1,'topologyKey':'zone','whenUnsatisfiable':'DoNotSchedule','labelSelector':{'matchExpressions':[{'key':'app','operator':'In','values':['web']}]},'minDomains':2}],
          'os':{'name':'linux'},'schedulingGates':[{'name':'wait'}]}
        """;

    private const string PodStatus = """
        'status':{'phase':'Running','conditions':[{'type':'Ready','status':'True','lastTransitionTime':'2026-11-27T10:00:05Z'},{'type':'PodScheduled','status':'True','lastProbeTime':'2026-11-27T10:00:01Z','lastTransitionTime':'2026-11-27T10:00:01Z','reason':'Scheduled','message':'ok'}],
          'hostIP':'192.168.1.10','hostIPs':[{'ip':'192.168.1.10'}],'podIP':'10.244.0.5','podIPs':[{'ip':'10.244.0.5'}],'startTime':'2026-11-27T10:00:02Z',
          'initContainerStatuses':[{'name':'init','state':{'terminated':{'reason':'Completed','startedAt':'2026-11-27T10:00:02Z','finishedAt':'2026-11-27T10:00:03Z','containerID':'containerd://aa'}},'ready':true,'image':'busybox:1.36','imageID':'sha256:01','containerID':'containerd://aa','started':false}],
          'containerStatuses':[{'name':'web','state':{'running':{'startedAt':'2026-11-27T10:00:04Z'}},'lastState':{'terminated':{'exitCode':137,'signal':9,'reason':'OOMKilled','finishedAt':'2026-11-27T09:59:00Z'}},'ready':true,'restartCount':2,'image':'nginx:1.27','imageID':'sha256:02','containerID':'containerd://bb','started':true},
            {'name':'side','state':{'waiting':{'reason':'CrashLoopBackOff','message':'back-off 10s'}},'image':'busybox','imageID':'sha256:03'}],
          'qosClass':'Burstable'}
        """;

    public static TheoryData<string> Objects => new()
    {
        "{'apiVersion':'v1','kind':'Pod'," + Metadata + "," + PodSpec + "," + PodStatus + "}",
        "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'demo','labels':{'kubernetes.io/metadata.name':'demo'}},'spec':{'finalizers':['kubernetes']},'status':{'phase':'Terminating','conditions':[{'type':'NamespaceDeletionContentFailure','status':'False','lastTransitionTime':'2026-11-27T10:00:00Z','reason':'ContentDeleted','message':'All content successfully deleted'}]}}",
        "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'app-config','namespace':'demo'},'immutable':true,'data':{'a':'b','multi':'line1\\nline2'},'binaryData':{'blob':'AAECAwQ='}}",
        "{'apiVersion':'v1','kind':'Secret','metadata':{'name':'creds','namespace':'demo'},'immutable':false,'data':{'password':'czNjcjN0IQ==','user':'YWRtaW4='},'type':'Opaque'}",
        "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web','namespace':'demo'},'spec':{'ports':[{'name':'http','protocol':'TCP','appProtocol':'http','port':80,'targetPort':8080,'nodePort':30080},{'name':'named','protocol':'TCP','port':443,'targetPort':'https'}],'selector':{'app':'web'},'clusterIP':'10.96.0.10','clusterIPs':['10.96.0.10'],'type':'LoadBalancer','externalIPs':['1.2.3.4'],'sessionAffinity':'ClientIP','sessionAffinityConfig':{'clientIP':{'timeoutSeconds':10800}},'externalTrafficPolicy':'Local','healthCheckNodePort':31000,'publishNotReadyAddresses':true,'ipFamilies':['IPv4'],'ipFamilyPolicy':'SingleStack','allocateLoadBalancerNodePorts':false,'internalTrafficPolicy':'Cluster'},'status':{'loadBalancer':{'ingress':[{'ip':'5.6.7.8','ipMode':'VIP','ports':[{'port':80,'protocol':'TCP','error':'x'}]}]},'conditions':[{'type':'Ready','status':'True','observedGeneration':2,'lastTransitionTime':'2026-11-27T10:00:00Z','reason':'Ok','message':'fine'}]}}",
        "{'apiVersion':'v1','kind':'ServiceAccount','metadata':{'name':'builder','namespace':'demo'},'secrets':[{'name':'builder-token'}],'imagePullSecrets':[{'name':'regcred'}],'automountServiceAccountToken':false}",
        "{'apiVersion':'v1','kind':'Node','metadata':{'name':'node-1','labels':{'kubernetes.io/hostname':'node-1'}},'spec':{'podCIDR':'10.244.0.0/24','podCIDRs':['10.244.0.0/24'],'providerID':'skiff://node-1','unschedulable':true,'taints':[{'key':'node.kubernetes.io/unschedulable','effect':'NoSchedule','timeAdded':'2026-11-27T10:00:00Z'}]},'status':{'capacity':{'cpu':'2','memory':'4026532Ki','pods':'110'},'allocatable':{'cpu':'1900m','memory':'3Gi','pods':'110'},'conditions':[{'type':'Ready','status':'True','lastHeartbeatTime':'2026-11-27T10:00:00Z','lastTransitionTime':'2026-11-27T09:00:00Z','reason':'KubeletReady','message':'kubelet is posting ready status'}],'addresses':[{'type':'InternalIP','address':'192.168.1.10'},{'type':'Hostname','address':'node-1'}],'daemonEndpoints':{'kubeletEndpoint':{'Port':10250}},'nodeInfo':{'machineID':'m','systemUUID':'s','bootID':'b','kernelVersion':'6.1.0','osImage':'Debian GNU/Linux 12','containerRuntimeVersion':'containerd://1.7.24','kubeletVersion':'v1.32.0-skiff','kubeProxyVersion':'','operatingSystem':'linux','architecture':'amd64'},'images':[{'names':['docker.io/library/nginx:1.27'],'sizeBytes':72000000}],'volumesInUse':['v1'],'volumesAttached':[{'name':'v1','devicePath':'/dev/sdb'}],'runtimeHandlers':[{'name':'runc','features':{'recursiveReadOnlyMounts':true,'userNamespaces':false}}],'features':{'supplementalGroupsPolicy':true}}}".Replace("'kubeProxyVersion':'',", "", StringComparison.Ordinal),
        "{'apiVersion':'v1','kind':'Event','metadata':{'name':'web.17a','namespace':'default'},'involvedObject':{'kind':'Pod','namespace':'default','name':'web','uid':'u1','apiVersion':'v1','resourceVersion':'12','fieldPath':'spec.containers{web}'},'reason':'Pulled','message':'Container image already present','source':{'component':'kubelet','host':'node-1'},'firstTimestamp':'2026-11-27T10:00:00Z','lastTimestamp':'2026-11-27T10:05:00Z','count':3,'type':'Normal','eventTime':'2026-11-27T10:00:00.123456Z','series':{'count':2,'lastObservedTime':'2026-11-27T10:05:00.654321Z'},'action':'Pulling','reportingComponent':'kubelet','reportingInstance':'node-1'}",
        "{'apiVersion':'v1','kind':'Status','metadata':{},'status':'Failure','message':'pods \\\"nope\\\" not found','reason':'NotFound','details':{'name':'nope','kind':'pods','causes':[{'reason':'FieldValueRequired','message':'Required value','field':'spec.containers[0].image'}],'retryAfterSeconds':1},'code':404}",
        "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'demo','generation':4},'spec':{'replicas':0,'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'},'annotations':{'kubectl.kubernetes.io/restartedAt':'2026-11-27T10:00:00Z'}},'spec':{'containers':[{'name':'web','image':'nginx:1.27','resources':{}}]}},'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':'25%','maxSurge':1}},'minReadySeconds':5,'revisionHistoryLimit':10,'paused':true,'progressDeadlineSeconds':600},'status':{'observedGeneration':4,'replicas':3,'updatedReplicas':3,'readyReplicas':2,'availableReplicas':2,'unavailableReplicas':1,'conditions':[{'type':'Progressing','status':'True','lastUpdateTime':'2026-11-27T10:00:00Z','lastTransitionTime':'2026-11-27T09:00:00Z','reason':'NewReplicaSetAvailable','message':'ok'}],'collisionCount':0}}",
        "{'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'web-1','namespace':'demo'},'spec':{'replicas':2,'minReadySeconds':1,'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'web','image':'nginx'}]}}},'status':{'replicas':2,'fullyLabeledReplicas':2,'readyReplicas':2,'availableReplicas':2,'observedGeneration':1,'conditions':[{'type':'ReplicaFailure','status':'False','lastTransitionTime':'2026-11-27T10:00:00Z'}]}}",
        "{'apiVersion':'v1','kind':'ReplicationController','metadata':{'name':'web','namespace':'demo','generation':2,'labels':{'app':'web'}},'spec':{'replicas':0,'minReadySeconds':3,'selector':{'app':'web'},'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'web','image':'nginx'}]}}},'status':{'replicas':2,'fullyLabeledReplicas':2,'readyReplicas':1,'availableReplicas':1,'observedGeneration':2,'conditions':[{'type':'ReplicaFailure','status':'True','lastTransitionTime':'2026-11-27T10:00:00Z','reason':'FailedCreate','message':'quota'}]}}",
        "{'apiVersion':'v1','kind':'ReplicationControllerList','metadata':{'resourceVersion':'7'},'items':[{'metadata':{'name':'web'},'spec':{'replicas':1,'selector':{'app':'web'}},'status':{'replicas':1}}]}",
        "{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'once','namespace':'demo'},'spec':{'parallelism':1,'completions':1,'activeDeadlineSeconds':100,'backoffLimit':0,'selector':{'matchLabels':{'batch.kubernetes.io/controller-uid':'u'}},'manualSelector':false,'template':{'spec':{'containers':[{'name':'once','image':'busybox','command':['sh','-c','echo hi']}],'restartPolicy':'Never'}},'ttlSecondsAfterFinished':60,'completionMode':'NonIndexed','suspend':false,'podReplacementPolicy':'TerminatingOrFailed'},'status':{'conditions':[{'type':'Complete','status':'True','lastProbeTime':'2026-11-27T10:01:00Z','lastTransitionTime':'2026-11-27T10:01:00Z'}],'startTime':'2026-11-27T10:00:00Z','completionTime':'2026-11-27T10:01:00Z','succeeded':1,'terminating':0,'uncountedTerminatedPods':{},'ready':0}}",
        "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'hello','namespace':'demo'},'spec':{'schedule':'0 0 1 1 *','timeZone':'Europe/Berlin','startingDeadlineSeconds':0,'concurrencyPolicy':'Forbid','suspend':false,'jobTemplate':{'metadata':{'labels':{'a':'b'}},'spec':{'backoffLimit':2,'template':{'spec':{'containers':[{'name':'c','image':'busybox'}],'restartPolicy':'OnFailure'}}}},'successfulJobsHistoryLimit':0,'failedJobsHistoryLimit':1},'status':{'active':[{'kind':'Job','namespace':'demo','name':'hello-1','uid':'u1','apiVersion':'batch/v1','resourceVersion':'5'}],'lastScheduleTime':'2026-11-27T10:00:00Z','lastSuccessfulTime':'2026-11-27T10:01:00Z'}}",
        "{'apiVersion':'certificates.k8s.io/v1','kind':'CertificateSigningRequest','metadata':{'name':'alice'},'spec':{'request':'LS0tLS1CRUdJTg==','signerName':'kubernetes.io/kube-apiserver-client','expirationSeconds':86400,'usages':['client auth'],'username':'admin','groups':['system:masters','system:authenticated']},'status':{'conditions':[{'type':'Approved','status':'True','reason':'KubectlApprove','message':'This CSR was approved by kubectl certificate approve.','lastUpdateTime':'2026-12-05T10:00:00Z','lastTransitionTime':'2026-12-05T10:00:00Z'}],'certificate':'LS0tLS1CRUdJTg=='}}",
        "{'apiVersion':'v1','kind':'LimitRange','metadata':{'name':'limits','namespace':'demo'},'spec':{'limits':[{'type':'Container','max':{'cpu':'2','memory':'1Gi'},'min':{'cpu':'100m'},'default':{'cpu':'500m'},'defaultRequest':{'cpu':'250m'},'maxLimitRequestRatio':{'cpu':'4'}},{'type':'Pod','max':{'memory':'2Gi'}}]}}",
        "{'apiVersion':'v1','kind':'ResourceQuota','metadata':{'name':'q','namespace':'demo'},'spec':{'hard':{'pods':'2','requests.cpu':'1','limits.memory':'2Gi','count/deployments.apps':'3'},'scopes':['NotTerminating'],'scopeSelector':{'matchExpressions':[{'scopeName':'PriorityClass','operator':'In','values':['high']}]}},'status':{'hard':{'pods':'2'},'used':{'pods':'1'}}}",
        "{'apiVersion':'networking.k8s.io/v1','kind':'NetworkPolicy','metadata':{'name':'web','namespace':'default','generation':1},'spec':{'podSelector':{'matchLabels':{'app':'web'}},'ingress':[{'ports':[{'protocol':'TCP','port':80},{'protocol':'TCP','port':'http'},{'protocol':'UDP','port':8000,'endPort':8100}],'from':[{'podSelector':{'matchLabels':{'role':'client'}},'namespaceSelector':{'matchExpressions':[{'key':'team','operator':'In','values':['a','b']}]}},{'ipBlock':{'cidr':'172.17.0.0/16','except':['172.17.1.0/24']}}]},{}],'egress':[{'ports':[{'protocol':'UDP','port':53}],'to':[{'namespaceSelector':{}}]}],'policyTypes':['Ingress','Egress']}}",
        "{'apiVersion':'networking.k8s.io/v1','kind':'NetworkPolicy','metadata':{'name':'deny-all','namespace':'default'},'spec':{'podSelector':{},'policyTypes':['Ingress']}}",
        "{'apiVersion':'policy/v1','kind':'Eviction','metadata':{'name':'web','namespace':'default'},'deleteOptions':{'gracePeriodSeconds':0,'preconditions':{'uid':'u1','resourceVersion':'7'},'propagationPolicy':'Background','dryRun':['All']}}",
        "{'apiVersion':'policy/v1','kind':'PodDisruptionBudget','metadata':{'name':'web','namespace':'default','generation':1},'spec':{'minAvailable':2,'selector':{'matchLabels':{'app':'web'}},'unhealthyPodEvictionPolicy':'IfHealthyBudget'},'status':{'observedGeneration':1,'disruptedPods':{'web-1':'2026-11-27T10:00:00Z'},'disruptionsAllowed':0,'currentHealthy':2,'desiredHealthy':2,'expectedPods':2,'conditions':[{'type':'DisruptionAllowed','status':'False','observedGeneration':1,'lastTransitionTime':'2026-11-27T10:00:00Z','reason':'InsufficientPods'}]}}",
        "{'apiVersion':'policy/v1','kind':'PodDisruptionBudget','metadata':{'name':'half','namespace':'default'},'spec':{'maxUnavailable':'50%','selector':{}},'status':{'disruptionsAllowed':0,'currentHealthy':0,'desiredHealthy':0,'expectedPods':0}}",
        "{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'data-web-0','namespace':'demo','labels':{'app':'web'}},'spec':{'accessModes':['ReadWriteOnce'],'selector':{'matchLabels':{'tier':'fast'}},'resources':{'limits':{'storage':'2Gi'},'requests':{'storage':'1Gi'}},'volumeName':'pv-1','storageClassName':'','volumeMode':'Filesystem','dataSource':{'apiGroup':'snapshot.storage.k8s.io','kind':'VolumeSnapshot','name':'snap'},'dataSourceRef':{'apiGroup':'snapshot.storage.k8s.io','kind':'VolumeSnapshot','name':'snap','namespace':'demo'},'volumeAttributesClassName':'gold'},'status':{'phase':'Bound','accessModes':['ReadWriteOnce'],'capacity':{'storage':'1Gi'},'conditions':[{'type':'Resizing','status':'True','lastProbeTime':'2026-11-27T10:00:00Z','lastTransitionTime':'2026-11-27T10:00:00Z','reason':'r','message':'m'}],'allocatedResources':{'storage':'1Gi'},'allocatedResourceStatuses':{'storage':'ControllerResizeInProgress'},'currentVolumeAttributesClassName':'gold','modifyVolumeStatus':{'targetVolumeAttributesClassName':'silver','status':'InProgress'}}}",
        "{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'new','namespace':'demo'},'spec':{'accessModes':['ReadWriteOncePod'],'resources':{'requests':{'storage':'500Mi'}},'volumeMode':'Block'},'status':{'phase':'Pending'}}",
        "{'apiVersion':'v1','kind':'PersistentVolumeClaimList','metadata':{'resourceVersion':'3'},'items':[{'metadata':{'name':'a','namespace':'demo'},'spec':{'accessModes':['ReadWriteMany'],'resources':{'requests':{'storage':'1Gi'}}}}]}",
        "{'apiVersion':'v1','kind':'PersistentVolume','metadata':{'name':'pv-1'},'spec':{'capacity':{'storage':'10Gi'},'hostPath':{'path':'/srv/pv-1','type':'DirectoryOrCreate'},'accessModes':['ReadWriteOnce','ReadOnlyMany'],'claimRef':{'kind':'PersistentVolumeClaim','namespace':'demo','name':'data-web-0','uid':'u1','apiVersion':'v1','resourceVersion':'5'},'persistentVolumeReclaimPolicy':'Retain','storageClassName':'manual','mountOptions':['ro'],'volumeMode':'Filesystem','nodeAffinity':{'required':{'nodeSelectorTerms':[{'matchExpressions':[{'key':'kubernetes.io/hostname','operator':'In','values':['node-1']}]}]}}},'status':{'phase':'Bound','message':'m','reason':'r','lastPhaseTransitionTime':'2026-11-27T10:00:00Z'}}",
        "{'apiVersion':'v1','kind':'PersistentVolume','metadata':{'name':'pv-nfs'},'spec':{'capacity':{'storage':'1Ti'},'nfs':{'server':'10.0.0.1','path':'/exports','readOnly':true},'accessModes':['ReadWriteMany']},'status':{'phase':'Available'}}",
        "{'apiVersion':'v1','kind':'PersistentVolume','metadata':{'name':'pv-csi'},'spec':{'capacity':{'storage':'5Gi'},'csi':{'driver':'hostpath.csi.k8s.io','volumeHandle':'h1','readOnly':true,'fsType':'ext4','volumeAttributes':{'a':'b'},'nodeStageSecretRef':{'name':'s','namespace':'kube-system'}},'accessModes':['ReadWriteOnce']}}",
        "{'apiVersion':'v1','kind':'PersistentVolumeList','metadata':{'resourceVersion':'4'},'items':[{'metadata':{'name':'pv-local'},'spec':{'capacity':{'storage':'1Gi'},'local':{'path':'/mnt/disk','fsType':'xfs'},'accessModes':['ReadWriteOnce']}}]}",
        "{'apiVersion':'storage.k8s.io/v1','kind':'StorageClass','metadata':{'name':'standard','annotations':{'storageclass.kubernetes.io/is-default-class':'true'}},'provisioner':'rancher.io/local-path','parameters':{'type':'ssd'},'reclaimPolicy':'Delete','mountOptions':['debug'],'allowVolumeExpansion':false,'volumeBindingMode':'WaitForFirstConsumer','allowedTopologies':[{'matchLabelExpressions':[{'key':'topology.kubernetes.io/zone','values':['a','b']}]}]}",
        "{'apiVersion':'storage.k8s.io/v1','kind':'StorageClassList','metadata':{'resourceVersion':'2'},'items':[{'metadata':{'name':'fast'},'provisioner':'example.com/fast'}]}",
        "{'apiVersion':'scheduling.k8s.io/v1','kind':'PriorityClass','metadata':{'name':'high','creationTimestamp':'2026-12-05T10:00:00Z'},'value':1000,'globalDefault':true,'description':'for the important ones','preemptionPolicy':'Never'}",
        "{'apiVersion':'scheduling.k8s.io/v1','kind':'PriorityClass','metadata':{'name':'zero'},'value':0}",
        "{'apiVersion':'scheduling.k8s.io/v1','kind':'PriorityClassList','metadata':{'resourceVersion':'7'},'items':[{'metadata':{'name':'low'},'value':-5,'preemptionPolicy':'PreemptLowerPriority'}]}",
        "{'apiVersion':'authentication.k8s.io/v1','kind':'TokenRequest','metadata':{'name':'robot','namespace':'default'},'spec':{'audiences':['vault'],'expirationSeconds':600,'boundObjectRef':{'kind':'Pod','apiVersion':'v1','name':'web','uid':'u1'}},'status':{'token':'a.b.c','expirationTimestamp':'2026-11-27T10:00:00Z'}}",
        "{'apiVersion':'authentication.k8s.io/v1','kind':'TokenReview','metadata':{},'spec':{'token':'a.b.c','audiences':['vault']},'status':{'authenticated':true,'user':{'username':'system:serviceaccount:team:robot','uid':'u1','groups':['system:serviceaccounts']},'audiences':['vault']}}",
        "{'apiVersion':'authentication.k8s.io/v1','kind':'TokenReview','metadata':{},'spec':{'token':'x'},'status':{'error':'[invalid bearer token, token lookup failed]'}}",
        "{'apiVersion':'authentication.k8s.io/v1','kind':'SelfSubjectReview','metadata':{'creationTimestamp':'2026-11-27T10:00:00Z'},'status':{'userInfo':{'username':'alice','groups':['devs','system:authenticated']}}}",
        "{'apiVersion':'authorization.k8s.io/v1','kind':'SubjectAccessReview','metadata':{},'spec':{'resourceAttributes':{'namespace':'team','verb':'get','group':'apps','version':'v1','resource':'deployments','subresource':'scale','name':'web'},'user':'bob','groups':['devs'],'uid':'u1'},'status':{'allowed':true,'reason':'RBAC: allowed by ClusterRoleBinding \\\"x\\\" of ClusterRole \\\"view\\\" to User \\\"bob\\\"'}}",
        "{'apiVersion':'authorization.k8s.io/v1','kind':'LocalSubjectAccessReview','metadata':{'namespace':'team'},'spec':{'resourceAttributes':{'namespace':'team','verb':'list','resource':'pods'},'groups':['devs']},'status':{'denied':true,'evaluationError':'no'}}",
        "{'apiVersion':'authorization.k8s.io/v1','kind':'SelfSubjectAccessReview','metadata':{},'spec':{'nonResourceAttributes':{'path':'/metrics','verb':'get'}},'status':{'allowed':true}}",
        "{'apiVersion':'authorization.k8s.io/v1','kind':'SelfSubjectRulesReview','metadata':{},'spec':{'namespace':'team'},'status':{'resourceRules':[{'verbs':['get','list'],'apiGroups':[''],'resources':['pods'],'resourceNames':['web']}],'nonResourceRules':[{'verbs':['get'],'nonResourceURLs':['/healthz']}],'incomplete':true,'evaluationError':'node authorizer does not support user rule resolution'}}",
        "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'Role','metadata':{'name':'r','namespace':'team'},'rules':[{'verbs':['get'],'apiGroups':[''],'resources':['pods'],'resourceNames':['web']}]}",
        "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRole','metadata':{'name':'c'},'rules':[{'verbs':['get'],'nonResourceURLs':['/metrics']}],'aggregationRule':{'clusterRoleSelectors':[{'matchLabels':{'a':'b'}}]}}",
        "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'RoleBinding','metadata':{'name':'rb','namespace':'team'},'subjects':[{'kind':'ServiceAccount','name':'robot','namespace':'team'}],'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'ClusterRole','name':'view'}}",
        "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRoleBinding','metadata':{'name':'crb'},'subjects':[{'kind':'User','apiGroup':'rbac.authorization.k8s.io','name':'bob'}],'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'ClusterRole','name':'view'}}",
        "{'apiVersion':'v1','kind':'DeleteOptions','gracePeriodSeconds':30,'orphanDependents':false}",
        "{'apiVersion':'v1','kind':'PodList','metadata':{'resourceVersion':'99','continue':'abc','remainingItemCount':0},'items':[{'metadata':{'name':'a'},'spec':{'containers':[{'name':'c','image':'busybox'}]},'status':{'phase':'Pending'}},{'metadata':{'name':'b'}}]}",
        "{'apiVersion':'apps/v1','kind':'DeploymentList','metadata':{'resourceVersion':'5'},'items':[{'metadata':{'name':'web'},'spec':{'replicas':1}}]}",
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void Json_survives_protobuf_and_back(string json)
    {
        var original = Json.Obj(json);

        Assert.True(KubeProtobuf.TryEncode(original, out var body), "the object could not be encoded");
        var decoded = KubeProtobuf.Decode(body);

        Json.Equal(original.ToJsonString(), decoded);
    }

    [Fact]
    public void Every_supported_kind_is_covered_by_a_round_trip()
    {
        var covered = ((IEnumerable<object[]>)Objects).Select(row => Json.Obj((string)row[0])).Select(o => (o["apiVersion"]!.GetValue<string>(), o["kind"]!.GetValue<string>())).ToHashSet();
        var missing = KubeProtobuf.SupportedKinds.Where(k => !covered.Contains(k) && !k.Kind.EndsWith("List", StringComparison.Ordinal)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Zero_values_of_go_pointers_survive_and_zero_values_of_plain_fields_are_dropped_like_omitempty()
    {
        var pod = Json.Obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','generation':0},'spec':{'hostNetwork':false,'terminationGracePeriodSeconds':0,'containers':[{'name':'c','stdin':false}]},'status':{'containerStatuses':[{'name':'c','ready':false,'restartCount':0,'started':false,'state':{'terminated':{'exitCode':0}}}]}}");

        var decoded = KubeProtobuf.Decode(KubeProtobuf.Encode(pod));

        Json.Equal("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'terminationGracePeriodSeconds':0,'containers':[{'name':'c'}]},'status':{'containerStatuses':[{'name':'c','started':false,'state':{'terminated':{}}}]}}", decoded);
    }

    [Fact]
    public void A_field_without_a_wire_number_is_not_encoded_so_the_server_answers_json()
    {
        var pod = Json.Obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'c'}],'somethingNew':true}}");

        Assert.False(KubeProtobuf.TryEncode(pod, out _));
    }

    [Fact]
    public void Unknown_kinds_are_415_and_garbage_is_400()
    {
        Assert.True(KubeProtobuf.TryEncode(Json.Obj("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'x'}}"), out var body));
        var renamed = body.ToArray();

        // Same bytes with the kind renamed to a kind of the same length that has no schema here.
        var index = IndexOf(renamed, "ConfigMap"u8.ToArray());
        "ConfigMaq"u8.CopyTo(renamed.AsSpan(index));
        Assert.False(KubeProtobuf.TryDecode(renamed, out var apiVersion, out var kind, out _));
        Assert.Equal(("v1", "ConfigMaq"), (apiVersion, kind));
        Assert.Equal(415, Assert.Throws<ProtobufException>(() => KubeProtobuf.Decode(renamed)).Code);

        Assert.Equal(400, Assert.Throws<ProtobufException>(() => KubeProtobuf.Decode("{\"kind\":\"Pod\"}"u8)).Code);
        Assert.Equal(400, Assert.Throws<ProtobufException>(() => KubeProtobuf.Decode([.. "k8s\0"u8, 0x0a, 0x7f])).Code);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        return -1;
    }
}
