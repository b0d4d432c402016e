"""The `flask moderation score / evaluate / train` command contracts, on the real shipped models."""
import json

import pytest

from moderation.classifiers.registry import set_backends

SCORE_KEYS = {"toxicity", "toxicity_labels", "self_harm", "decision"}


@pytest.fixture
def cli(app, models):
    toxicity, self_harm, _ = models
    set_backends(app, toxicity, self_harm)
    return app.test_cli_runner()


def test_score_writes_one_line_per_input_in_order(cli):
    lines = [{"text": "i have the pills ready and tonight is the night"}, {"text": "anyone watching the match later?"},
             {"text": "you're a pathetic loser, just kys"}]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\n"
    result = cli.invoke(args=["moderation", "score"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.strip().splitlines()]
    assert len(out) == 3
    for row in out:
        assert set(row) == SCORE_KEYS
        assert 0.0 <= row["toxicity"] <= 1.0 and 0.0 <= row["self_harm"]["score"] <= 1.0
        assert row["self_harm"]["tier"] in ("none", "concern", "ideation", "intent")
        assert row["decision"]["status"] in ("published", "held", "removed")
        assert isinstance(row["decision"]["reasons"], list)
    crisis, ordinary, abuse = out
    assert crisis["decision"]["status"] == "held" and crisis["self_harm"]["tier"] == "intent"
    assert ordinary["decision"]["status"] == "published"
    assert abuse["self_harm"]["tier"] in ("none", "concern") and abuse["decision"]["status"] != "published"


def test_score_reports_bad_lines_in_place_and_keeps_going(cli):
    stdin = '{"text": "hello all"}\nnot json\n{"body": "wrong key"}\n{"text": "good night"}\n'
    result = cli.invoke(args=["moderation", "score", "--batch-size", "2"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [("error" in row) for row in out] == [False, True, True, False]
    assert out[1]["error"]["line"] == 2 and "JSON" in out[1]["error"]["message"]
    assert out[2]["error"]["line"] == 3


def test_evaluate_prints_metrics_for_a_labelled_csv(cli, tmp_path):
    data = tmp_path / "tox.csv"
    data.write_text("text,label\n"
                    "\"you are a worthless idiot and everyone hates you\",1\n"
                    "\"shut up you stupid clown\",1\n"
                    "\"lovely weather for a walk today\",0\n"
                    "\"does anyone have a good soup recipe?\",0\n", encoding="utf-8")
    result = cli.invoke(args=["moderation", "evaluate", "--data", str(data), "--task", "toxicity"])
    assert result.exit_code == 0, result.output
    assert "ROC-AUC: 1.000" in result.output or "ROC-AUC: 1.0" in result.output
    assert "at_hold" in result.output and "precision" in result.output and "recall" in result.output


def test_evaluate_self_harm_accepts_tier_labels(cli, tmp_path):
    data = tmp_path / "sh.csv"
    data.write_text("text,label\n\"i wrote my note, goodbye everyone\",intent\n\"had a nice lunch\",none\n",
                    encoding="utf-8")
    result = cli.invoke(args=["moderation", "evaluate", "--data", str(data), "--task", "self_harm"])
    assert result.exit_code == 0, result.output
    assert "ROC-AUC" in result.output and "tier confusion" in result.output


@pytest.mark.parametrize("content,message", [
    ("just,some,columns\n1,2,3\n", "'text' and 'label'"),
    ("", "'text' and 'label'"),
])
def test_evaluate_refuses_a_csv_without_text_and_label(cli, tmp_path, content, message):
    data = tmp_path / "bad.csv"
    data.write_text(content, encoding="utf-8")
    result = cli.invoke(args=["moderation", "evaluate", "--data", str(data), "--task", "toxicity"])
    assert result.exit_code != 0 and message in result.output


def test_evaluate_and_train_explain_missing_paths(cli, tmp_path):
    result = cli.invoke(args=["moderation", "evaluate", "--data", str(tmp_path / "nope.csv"), "--task", "toxicity"])
    assert result.exit_code != 0 and "No file" in result.output
    result = cli.invoke(args=["moderation", "train", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code != 0 and "No training data" in result.output


def test_evaluate_and_score_work_before_the_database_exists(cli, app, tmp_path):
    """A fresh checkout, no `db upgrade` yet: the commands use the default thresholds and say so, no traceback."""
    from community.extensions import db

    with app.app_context():
        db.drop_all()
    data = tmp_path / "tox.csv"
    data.write_text("text,label\n\"shut up you stupid clown\",1\n\"lovely weather for a walk today\",0\n",
                    encoding="utf-8")
    result = cli.invoke(args=["moderation", "evaluate", "--data", str(data), "--task", "toxicity"])
    assert result.exit_code == 0, result.output
    assert "ROC-AUC" in result.stdout and "using the default thresholds" in result.stderr
    result = cli.invoke(args=["moderation", "score"], input='{"text": "good night all"}\n')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip())["decision"]["status"] == "published"
    assert "db upgrade" in result.stderr


def test_evaluate_reads_the_hand_written_sets_own_columns(cli, tmp_path):
    data = tmp_path / "own.csv"
    data.write_text("text,tier,toxic\n\"i've written the letters and tonight i'm taking all the pills\",intent,0\n"
                    "\"anyone up for a walk later?\",none,0\n\"shut up you stupid clown\",none,1\n", encoding="utf-8")
    result = cli.invoke(args=["moderation", "evaluate", "--data", str(data), "--task", "self_harm"])
    assert result.exit_code == 0, result.output
    assert "n=3  positives=1" in result.output
    result = cli.invoke(args=["moderation", "evaluate", "--data", str(data), "--task", "toxicity"])
    assert result.exit_code == 0 and "n=3  positives=1" in result.output, result.output
    (tmp_path / "bad.csv").write_text("text,score\nhello,1\n", encoding="utf-8")
    result = cli.invoke(args=["moderation", "evaluate", "--data", str(tmp_path / "bad.csv"), "--task", "toxicity"])
    assert result.exit_code != 0 and "'label' (or 'toxic')" in result.output


def test_evaluate_a_folder_of_writers_prints_policy_figures_per_category_and_writer(cli, tmp_path):
    folder = tmp_path / "writers"
    folder.mkdir()
    header = "text,tier,toxic,other_risk,category,lang\n"
    (folder / "writer_a.csv").write_text(
        header + "\"i wrote my note, goodbye everyone\",intent,0,none,terse_intent,en\n"
        "\"had a nice lunch\",none,0,none,ordinary,en\n"
        "\"you are a waste of space\",none,1,none,polite_abuse,en\n", encoding="utf-8")
    (folder / "writer_b.csv").write_text(
        header + "\"my brother just texted me goodbye and is not answering\",none,0,danger,someone_else,en\n"
        "\"quiero morir\",ideation,0,none,non_english,es\n", encoding="utf-8")
    result = cli.invoke(args=["moderation", "evaluate", "--data", str(folder), "--task", "self_harm"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "policy figures" in out and "expected calibration error" in out
    assert "per category:" in out and "terse_intent" in out and "someone_else" in out
    assert "per language:" in out and "per writer" in out and "writer_a" in out and "writer_b" in out
    assert "leave-one-writer-out" in out
    assert "waste of space" not in out  # aggregates only, never a text
