// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/export_dialog.h"

#include "exec/eval_request.h"
#include "runs/run_actions.h"
#include "shell/file_dialogs.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardItemModel>

namespace adamix::ui {

namespace {

QString formatHelp(const QString& format) {
  if (format == QLatin1String("peft"))
    return ExportDialog::tr("A Hugging Face PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors) "
                            "for peft.PeftModel.from_pretrained. LoRA runs only; AdaMix modules are merged.");
  if (format == QLatin1String("merged-model"))
    return ExportDialog::tr("LoRA folded into the base weights: a plain Hugging Face model folder that "
                            "transformers loads. Adapters are non-linear and cannot be folded.");
  return ExportDialog::tr("The official microsoft/AdaMix layout with all M modules (ExpertSoup weights and "
                          "config keys), loadable by the AdaMix code and by this studio's importer.");
}

}  // namespace

ExportDialog::ExportDialog(const app::RunRecord& run, const QString& workspaceDir, QWidget* parent)
    : QDialog(parent), run_(run), workspaceDir_(workspaceDir) {
  setObjectName(QStringLiteral("ExportDialog"));
  setWindowTitle(tr("Export adapters — %1").arg(runTitle(run)));
  auto* form = new QFormLayout(this);
  form->addRow(new QLabel(QStringLiteral("<b>%1</b> — %2").arg(tr("Export adapters"), runTitle(run).toHtmlEscaped())));
  format_ = new QComboBox;
  for (const QString& f : app::exportFormats()) format_->addItem(f, f);
  // Adapter runs (bottleneck adapters are non-linear) have neither a PEFT LoRA nor a merged form.
  const nlohmann::json::json_pointer methodPath("/peft/method");
  const bool adapters = run.config.contains(methodPath) && run.config.at(methodPath) == "adapter";
  if (auto* model = qobject_cast<QStandardItemModel*>(format_->model()); model && adapters) {
    for (const QString& f : {QStringLiteral("peft"), QStringLiteral("merged-model")}) {
      QStandardItem* item = model->item(format_->findData(f));
      item->setEnabled(false);
      item->setToolTip(tr("Adapter runs export as adamix only: adapters are non-linear (no LoRA form, no folding)."));
    }
    format_->setCurrentIndex(format_->findData(QStringLiteral("adamix")));
  }
  form->addRow(tr("Format"), format_);
  about_ = new QLabel;
  about_->setWordWrap(true);
  about_->setMinimumWidth(420);
  form->addRow(about_);
  out_ = new QLineEdit;
  out_->setMinimumWidth(460);
  auto* browse = new QPushButton(tr("Browse…"));
  auto* row = new QHBoxLayout;
  row->addWidget(out_, 1);
  row->addWidget(browse);
  form->addRow(tr("Output folder"), row);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
  form->addRow(buttons);
  auto sync = [this, buttons] {
    about_->setText(formatHelp(format()));
    // follow the format while the folder is still the default one
    if (out_->text().isEmpty() || out_->text() == lastDefault_) out_->setText(defaultOut());
    lastDefault_ = defaultOut();
    buttons->button(QDialogButtonBox::Ok)->setEnabled(!out_->text().trimmed().isEmpty());
  };
  connect(format_, &QComboBox::currentIndexChanged, this, sync);
  connect(out_, &QLineEdit::textChanged, this, [buttons](const QString& t) {
    buttons->button(QDialogButtonBox::Ok)->setEnabled(!t.trimmed().isEmpty());
  });
  connect(browse, &QPushButton::clicked, this, [this] {
    QDir().mkpath(QDir(workspaceDir_).filePath(QStringLiteral("exports")));
    const QString dir =
        existingDirDialog(this, tr("Output folder"), QDir(workspaceDir_).filePath(QStringLiteral("exports")));
    if (!dir.isEmpty()) out_->setText(QDir(dir).filePath(QDir(defaultOut()).dirName()));
  });
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  sync();
}

QString ExportDialog::format() const { return format_->currentData().toString(); }

QString ExportDialog::outDir() const { return QDir(out_->text().trimmed()).absolutePath(); }

QString ExportDialog::defaultOut() const {
  QString name = QString::fromStdString(run_.config.value("run_id", std::string()));
  if (name.isEmpty()) name = QStringLiteral("run-%1").arg(run_.id);
  // a folder that is taken (an earlier export) is refused by the engine: the next free name
  const QString base = QDir(workspaceDir_).filePath(QStringLiteral("exports/%1-%2").arg(name, format()));
  QString candidate = base;
  for (int n = 2; QDir(candidate).exists() && !QDir(candidate).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
       ++n)
    candidate = QStringLiteral("%1-%2").arg(base).arg(n);
  return candidate;
}

}  // namespace adamix::ui
