"""The committed stubs must be what Debian's protoc makes from protos/ today."""
import subprocess
import sys

from conftest import REPOSITORY_ROOT

GENERATOR = REPOSITORY_ROOT / "clients" / "python" / "generate_stubs.py"


def test_committed_stubs_match_the_protos():
    result = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"stale or ungeneratable stubs:\n{result.stdout}{result.stderr}"


def test_generated_stubs_import_relatively_and_know_the_services():
    from renal_client._generated import analysis_pb2_grpc, info_pb2_grpc, studies_pb2, studies_pb2_grpc

    assert studies_pb2.DESCRIPTOR.package == "renal.v1"
    assert {m.name for m in studies_pb2.DESCRIPTOR.services_by_name["StudyService"].methods} == {
        "UploadStudy", "FindStudy", "GetStudy", "ListStudies", "DeleteStudy"}
    assert hasattr(info_pb2_grpc, "InfoServiceStub") and hasattr(analysis_pb2_grpc, "AnalysisServiceStub")
    generated = (REPOSITORY_ROOT / "clients/python/renal_client/_generated").glob("*.py*")
    assert not [p.name for p in generated if "from renal.v1 import" in p.read_text()]
