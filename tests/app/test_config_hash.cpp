// Pins the config hashes (and run ids) of the shipped studies, computed before the run-config
// schema moved into the engine's core library (issue 10). Stored studies find their runs by
// these hashes: a change here would make every stored run look new.
// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>

#include "config/run_config.h"
#include "study/config_identity.h"
#include "study/study.h"

using namespace adamix::app;

namespace {

/// experiments/NAME, or a test fixture when NAME starts with "tests/".
QString studyPath(const char* name) {
  const QString n = QString::fromUtf8(name);
  return QStringLiteral(ADAMIX_SOURCE_DIR "/") + (n.startsWith("tests/") ? n : QStringLiteral("experiments/") + n);
}

/// "runId hash" per expanded run, in expansion order.
QStringList hashLines(const char* studyFile) {
  QStringList lines;
  for (const ExpandedRun& r : expandStudy(loadStudyFile(studyPath(studyFile))))
    lines << r.runId + QLatin1Char(' ') + r.configHash;
  return lines;
}

void comparePinned(const QStringList& actual, const QStringList& pinned) {
  if (actual != pinned) qWarning().noquote() << "actual:\n" + actual.join(u'\n');
  QCOMPARE(actual.size(), pinned.size());
  for (int i = 0; i < actual.size(); ++i) QCOMPARE(actual[i], pinned[i]);
}

}  // namespace

class TestConfigHash : public QObject {
  Q_OBJECT
 private slots:
  /// The demo study since issue 15 (SST-2 24k, 4 variants x 3 seeds).
  void demoStudyHashesArePinned() {
    comparePinned(hashLines("demo.json"),
        {"sst2-adapter-s1-7fda899a 7fda899ae0a2a1732fc4461acc2897c283e971388731995eb9263d89a76a8db7",
         "sst2-adapter-s2-9b3ee40b 9b3ee40bdbf4313d63fbcff692f0e2238f4c63f873a24409d3c0f58265070142",
         "sst2-adapter-s3-0d8febbc 0d8febbcb53ece51c41b849ab5e7277b8c0c15a2c4f032090ae7b33c54e8049e",
         "sst2-adamix-s1-e6424aac e6424aac1ca57def30ccd30abb17fc48abc60fdbadf0782c52f8d00832a14e49",
         "sst2-adamix-s2-5c4785e0 5c4785e04eae7e60fad7777ac7c83d77049f86803e4775222fa3297dc9ad26f7",
         "sst2-adamix-s3-06d253d9 06d253d923218340b113d7573b79d07cac1b29b44a8e6a30702aafa6c8974948",
         "sst2-adamix-w-o-consistency-s1-7df1978b 7df1978b59673a9d36133d94681314d532de0ef00bb0642ec57d880d8753246d",
         "sst2-adamix-w-o-consistency-s2-5adcdaf0 5adcdaf0ac26321f8696169a84c640a7a16ee4204376f15ae67cedbde7ec9ed8",
         "sst2-adamix-w-o-consistency-s3-6f013085 6f013085ea54e966227ae5ea72c376b63c9ed831750c1a1d9a4a8bc186ef335e",
         "sst2-lora-s1-b0cd3f2b b0cd3f2b2d6b063265f6b9edbca820cb22fe3d9ed41b54b9617bdd8cc849fdfd",
         "sst2-lora-s2-5fa1bda1 5fa1bda1b5824e444d34e12bc940720d38247f900d6112813bdfdb5493e58f78",
         "sst2-lora-s3-ddc20dd6 ddc20dd6d59d3b2ba5ebfd20e7a5c5ebcf03aee1139a7f3ca7a8f108a961367c"});
  }

  /// The demo study as shipped until 2026-12-03 (tests/app/data; the demo itself changed in issue 15).
  void previousDemoStudyHashesArePinned() {
    comparePinned(
        hashLines("tests/app/data/demo-2026-12-03.json"),
        {"rte-adapter-s1-52d2a136 52d2a1365eef8d460d0d96015ddf4ac6037b57504b74532a6d0a4c6db601d629",
         "rte-adapter-s2-40ffaae3 40ffaae3d0781304034a54f104cafa6d5802e158326abecf99576012f19b3009",
         "rte-adamix-s1-9ca99a38 9ca99a38a448cd3fbe37ddf244b3f3eb8056d7d2d706e66938e81d64c37f44a3",
         "rte-adamix-s2-bd3a9136 bd3a91368a79450257e58a41e2da0d0a132abf907fb545cae4a9544272750d75",
         "rte-adamix-w-o-consistency-s1-b6d09771 b6d09771773512c705e0872ecca532644b459ee5127381df6474940768711154",
         "rte-adamix-w-o-consistency-s2-b4848673 b48486736efe819edda379b032d01673ad7dfb82c029f13abf8928a877be2a2f",
         "rte-lora-s1-f0f66288 f0f66288d89941e7e44cdf2051e4fac9a1cd05fd6cbc9cdaa1d133af266963f3",
         "rte-lora-s2-5265e4ad 5265e4ad1ad807b60ce76f848fd9d3c0539884eb2932911ce50ae2ca9869fde8",
         "rte-adamix-lora-s1-5e34aaf1 5e34aaf1b5f3dd624521064727fc1b80ead3b660bbafc509260b9ad78f427fb6",
         "rte-adamix-lora-s2-92715a86 92715a86ddad179e684b988b0fe2cbff19f2b01320c56088eb57278288c1bc34",
         "sst2-adapter-s1-3e787f28 3e787f28ac54aa510d778b98360569e9adfb587a02fe0a8c268c8107e5aa354b",
         "sst2-adapter-s2-ac699e4c ac699e4c2e54b9aaf832a19508aad11b049ab82a68818a04caa3e2166efa0bdd",
         "sst2-adamix-s1-7df31425 7df31425ec8ddf8e8fdce19004fbb505e3a4f33bfd07882c83a8ba265ba5d423",
         "sst2-adamix-s2-2e04cc7c 2e04cc7cabcc2b606341495c37650d134f262ae0bc8e1a26d51aa80a47daa259",
         "sst2-adamix-w-o-consistency-s1-445ebc82 445ebc820d75767f1d50c47672c4011f38babfeafd5068c0dcd04062ae695f69",
         "sst2-adamix-w-o-consistency-s2-9eb82383 9eb823830cfeb637b5841a3403825a671cc29088e7aa7060bf7885b1ee6d616c",
         "sst2-lora-s1-4fd90bc5 4fd90bc54e5271fc14d334de27efb3c3e7645371b0705ea2a98d5ecedb058a60",
         "sst2-lora-s2-49a75c91 49a75c9169d9dbec95dfc0f8ab7f00fb2f2921e599921019f567d06cbbde31a8",
         "sst2-adamix-lora-s1-777e30d3 777e30d30efe7c464e5970cfff584b2612ee24b5163eb877ecc13ce61c6c7726",
         "sst2-adamix-lora-s2-a2bc935d a2bc935d694b3fe1f45e489e6b01c7faabb7b3ac758680d66af573b3530b94c3"});
  }

  void e2eDemoStudyHashesArePinned() {
    comparePinned(hashLines("e2e_demo.json"),
                  {"e2e-lora-s1-caecc636 caecc6369388b7399e90e217da69df7a0d1926e711f708fb70cf0b5d41fa7ed3",
                   "e2e-adamix-lora-s1-18b4110c 18b4110cc31c696868cfd837ab56a914b6720f79feb329399a269f2d52bd0ed1",
                   "e2e-adamix-lora-10-s1-ea09df8c ea09df8cf2058c644b18715d1c3d99bb394117f53ae08533b26af58f780ae31e",
                   "e2e-adamix-lora-1-s1-7ea38461 7ea38461ca989e970b12740e37c45b1c37dec1457837c64164aeae185083803d"});
  }

  /// `adamix import` of a study run's directory: its config.json (every default spelled out,
  /// 8.0 for the study's 8, another machine's asset cache) is the run the study stored (its config
  /// with this machine's asset paths), though its hash differs; another seed or setting is not.
  void engineConfigJsonIsTheStudysRun() {
    const QStringList names{"glue/SST-2", "models/stories260K"};
    const QString here = "/root/.cache/adamix/assets";
    const ExpandedRun run = expandStudy(loadStudyFile(studyPath("demo.json")), {here}).back();  // LoRA s3
    QCOMPARE(run.config.at(nlohmann::json::json_pointer("/peft/lora/alpha")).dump(), std::string("8"));
    nlohmann::json written = adamix::toJson(adamix::parseRunConfig(run.config));
    written["run_id"] = run.runId.toStdString();
    QCOMPARE(written.at(nlohmann::json::json_pointer("/peft/lora/alpha")).dump(), std::string("8.0"));
    QVERIFY(sameRunConfig(run.config, written, here, names));
    QVERIFY(configHash(written) != run.configHash);  // why the hash alone did not find it
    nlohmann::json elsewhere = written;
    elsewhere["task"]["data_dir"] = "/scratch/u/cache/glue/SST-2";
    elsewhere["model"]["path"] = "/scratch/u/cache/models/stories260K/";
    QVERIFY(sameRunConfig(run.config, elsewhere, here, names));
    QVERIFY(!sameRunConfig(run.config, elsewhere, here, {}));  // without the manifest: other paths
    nlohmann::json otherSeed = written, otherLr = written, otherData = written;
    otherSeed["seed"] = 1;
    otherLr["train"]["learning_rate"] = 0.004;
    otherData["task"]["data_dir"] = "/data/my-sst2";
    QVERIFY(!sameRunConfig(run.config, otherSeed, here, names));
    QVERIFY(!sameRunConfig(run.config, otherLr, here, names));
    QVERIFY(!sameRunConfig(run.config, otherData, here, names));
  }
};

QTEST_GUILESS_MAIN(TestConfigHash)
#include "test_config_hash.moc"
